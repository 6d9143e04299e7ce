package io.telmesh.cli;

/**
 * An error the user can fix (unknown pod, unreadable directory, port in use): one line, exit 1. A
 * wrong command line is a {@link #usage} error instead: exit 2, like picocli's own.
 */
public class UserError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final boolean usage;

  public UserError(String message) {
    this(message, false);
  }

  private UserError(String message, boolean usage) {
    super(message);
    this.usage = usage;
  }

  /** A flag's value, or a combination of flags, that cannot work: exit 2. */
  static UserError usage(String message) {
    return new UserError(message, true);
  }

  boolean isUsage() {
    return usage;
  }
}
