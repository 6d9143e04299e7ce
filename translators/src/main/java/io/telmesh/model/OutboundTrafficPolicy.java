package io.telmesh.model;

/**
 * Where a sidecar sends connections to destinations it has no config for: Istio's {@code
 * outboundTrafficPolicy.mode}. The mesh default is {@link #ALLOW_ANY}, as Istio's.
 */
public enum OutboundTrafficPolicy {
  /** Unknown destinations pass through ({@code PassthroughCluster}). */
  ALLOW_ANY,
  /**
   * Only what the proxy's registry (its Services, as its Sidecar scopes them) holds is reachable:
   * other TCP connections end at {@code BlackHoleCluster}, other HTTP requests get a 502.
   */
  REGISTRY_ONLY
}
