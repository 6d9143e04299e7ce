package io.telmesh.auth;

/** Credentials were presented and are not good: the call ends UNAUTHENTICATED with this text. */
public final class AuthenticationException extends Exception {

  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message);
  }
}
