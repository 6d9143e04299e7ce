package io.telmesh.auth;

/** Where refused calls and streams are counted (the server's metrics). */
@FunctionalInterface
public interface Refusals {

  Refusals NONE = code -> {};

  /**
   * One call or stream refused.
   *
   * @param code the gRPC status it ended with: UNAUTHENTICATED, PERMISSION_DENIED or UNAVAILABLE
   */
  void refused(String code);
}
