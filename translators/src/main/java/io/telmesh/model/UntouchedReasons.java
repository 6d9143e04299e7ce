package io.telmesh.model;

/** Why telmesh leaves a port alone, in words operators see in problem and plan output. */
public final class UntouchedReasons {

  private UntouchedReasons() {}

  public static String of(L4Protocol transport) {
    return switch (transport) {
      case SCTP ->
          "SCTP is never proxied (Envoy cannot carry it): no listener, cluster or capture rule";
      case UDP -> "UDP is never proxied: no listener, cluster or capture rule";
      case TCP -> throw new IllegalArgumentException("TCP ports are served");
    };
  }
}
