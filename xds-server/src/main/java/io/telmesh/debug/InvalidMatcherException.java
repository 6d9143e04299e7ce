package io.telmesh.debug;

/** A CSDS node matcher telmesh cannot evaluate; the message says which part and why. */
final class InvalidMatcherException extends Exception {

  private static final long serialVersionUID = 1L;

  InvalidMatcherException(String message) {
    super(message);
  }
}
