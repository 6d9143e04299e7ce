package io.telmesh.model;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A DestinationRule's {@code trafficPolicy} for one Service, as far as telmesh applies it: what
 * Istio's fields say, already validated (a field Istio's validation refuses is a problem and left
 * out, the rest still applies).
 *
 * @param rule the DestinationRule it came from, for problems and {@code proxy-config}
 * @param loadBalancer {@code loadBalancer.simple}
 * @param tcpIdleTimeout {@code connectionPool.tcp.idleTimeout}: the tcp_proxy idle timeout of the
 *     Service's TCP ports (never of its Diameter ports)
 */
public record TrafficPolicy(
    NamespacedName rule,
    Optional<LoadBalancer> loadBalancer,
    OptionalInt maxConnections,
    Optional<Duration> connectTimeout,
    Optional<Duration> tcpIdleTimeout,
    OptionalInt http1MaxPendingRequests,
    OptionalInt http2MaxRequests,
    OptionalInt maxRequestsPerConnection,
    OptionalInt maxRetries,
    Optional<Duration> httpIdleTimeout,
    Optional<OutlierDetection> outlierDetection) {

  /** {@code loadBalancer.simple}. */
  public enum LoadBalancer {
    ROUND_ROBIN,
    LEAST_REQUEST,
    RANDOM,
    PASSTHROUGH
  }

  /**
   * {@code outlierDetection}: ejection after consecutive errors, Istio's defaults where unset
   * (Envoy's otherwise).
   */
  public record OutlierDetection(
      OptionalInt consecutive5xxErrors,
      OptionalInt consecutiveGatewayErrors,
      Optional<Duration> interval,
      Optional<Duration> baseEjectionTime,
      OptionalInt maxEjectionPercent) {}
}
