package io.telmesh.cli;

/**
 * An error the user can fix (bad argument, unknown pod, unreadable directory): one line, exit 1.
 */
public final class UserError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public UserError(String message) {
    super(message);
  }
}
