package io.telmesh.node;

/** A node that cannot be served; the message says what is wrong (it reaches the client). */
public final class InvalidNodeException extends Exception {

  private static final long serialVersionUID = 1L;

  public InvalidNodeException(String message) {
    super(message);
  }
}
