package io.telmesh.source;

/**
 * A source that cannot deliver any state at all (as opposed to a bad object, which is a problem).
 */
public final class SourceException extends Exception {

  private static final long serialVersionUID = 1L;

  public SourceException(String message) {
    super(message);
  }
}
