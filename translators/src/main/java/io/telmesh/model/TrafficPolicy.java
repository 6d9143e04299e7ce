package io.telmesh.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A DestinationRule's {@code trafficPolicy} for one Service, as far as telmesh applies it: what
 * Istio's fields say, already validated (a field Istio's validation refuses is a problem and left
 * out, the rest still applies).
 *
 * @param rule the DestinationRule it came from, for problems and {@code proxy-config}
 * @param loadBalancer {@code loadBalancer.simple}
 * @param consistentHash {@code loadBalancer.consistentHash}; Istio's oneof keeps it and {@code
 *     simple} apart, so at most one of the two is present
 * @param tcpIdleTimeout {@code connectionPool.tcp.idleTimeout}: the tcp_proxy idle timeout of the
 *     Service's TCP ports (never of its Diameter ports)
 * @param tls {@code tls}, when it is one telmesh applies: {@code DISABLE} or {@code ISTIO_MUTUAL}
 * @param subsets the rule's subsets, each with its policy already merged over the rule's (empty in
 *     a subset's own policy)
 * @param portLevel {@code portLevelSettings} by port number, each already merged over this policy
 */
public record TrafficPolicy(
    NamespacedName rule,
    Optional<LoadBalancer> loadBalancer,
    Optional<ConsistentHash> consistentHash,
    OptionalInt maxConnections,
    Optional<Duration> connectTimeout,
    Optional<Duration> tcpIdleTimeout,
    OptionalInt http1MaxPendingRequests,
    OptionalInt http2MaxRequests,
    OptionalInt maxRequestsPerConnection,
    OptionalInt maxRetries,
    Optional<Duration> httpIdleTimeout,
    Optional<OutlierDetection> outlierDetection,
    Optional<ClientTls> tls,
    java.util.List<Subset> subsets,
    java.util.Map<Integer, TrafficPolicy> portLevel) {

  public TrafficPolicy {
    subsets = java.util.List.copyOf(subsets);
    portLevel = java.util.Map.copyOf(portLevel);
  }

  /** The policy for one Service port: its port-level settings when it has some, else this one. */
  public TrafficPolicy forPort(int port) {
    return portLevel.getOrDefault(port, this);
  }

  /** Whether clients are to speak Istio's mutual TLS to this port. */
  public boolean istioMutual(int port) {
    return forPort(port).tls().map(t -> t.mode() == TlsMode.ISTIO_MUTUAL).orElse(false);
  }

  /**
   * Whether some client may speak Istio's mutual TLS to this port of a pod with these labels: the
   * rule's policy for the port says so, or a subset that selects the pod does. The pod must then
   * accept it.
   */
  public boolean istioMutualTo(int port, java.util.Map<String, String> podLabels) {
    return istioMutual(port)
        || subsets.stream().anyMatch(s -> s.selects(podLabels) && s.policy().istioMutual(port));
  }

  /**
   * A named group of the Service's endpoints, selected by pod labels: its own clusters {@code
   * outbound|<port>|<name>|<host>}, which VirtualService routes name.
   */
  public record Subset(
      String name, java.util.SortedMap<String, String> labels, TrafficPolicy policy) {

    public Subset {
      labels = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(labels));
    }

    /** Whether an endpoint whose pod carries these labels belongs to the subset. */
    public boolean selects(java.util.Map<String, String> podLabels) {
      return LabelSelector.matches(labels, podLabels);
    }
  }

  /** {@code tls.mode}, of the modes telmesh applies. */
  public enum TlsMode {
    DISABLE,
    ISTIO_MUTUAL
  }

  /**
   * {@code tls}: with {@code ISTIO_MUTUAL}, the client presents its workload certificate and checks
   * the server's against the mesh root, both from the sidecar's agent (SDS).
   *
   * @param sni {@code sni}; empty sends istiod's default, the cluster's DNS SRV name
   * @param subjectAltNames {@code subjectAltNames}; empty checks for the identities of the
   *     Service's pods, as istiod does
   */
  public record ClientTls(TlsMode mode, Optional<String> sni, List<String> subjectAltNames) {

    public ClientTls {
      subjectAltNames = List.copyOf(subjectAltNames);
    }
  }

  /** {@code loadBalancer.simple}. */
  public enum LoadBalancer {
    ROUND_ROBIN,
    LEAST_REQUEST,
    RANDOM,
    PASSTHROUGH
  }

  /**
   * {@code loadBalancer.consistentHash}: the hashing cluster's table, and what the routes to it
   * hash on.
   *
   * @param key what a request hashes on; empty hashes on nothing (Envoy then picks a random host,
   *     as with istiod when no key is set)
   */
  public record ConsistentHash(Optional<HashKey> key, Table table) {}

  /** The one hash key Istio's oneof allows. */
  public sealed interface HashKey {}

  /** {@code httpHeaderName}. */
  public record HeaderKey(String name) implements HashKey {}

  /**
   * {@code httpCookie}: Envoy generates the cookie when a request lacks it and a ttl is given.
   *
   * @param attributes extra cookie attributes, each name once, in the order written
   */
  public record CookieKey(
      String name, Optional<String> path, Optional<Duration> ttl, List<CookieAttribute> attributes)
      implements HashKey {

    public CookieKey {
      attributes = List.copyOf(attributes);
    }
  }

  /** One of {@code httpCookie.attributes}. */
  public record CookieAttribute(String name, String value) {}

  /** {@code useSourceIp: true}: the only key a TCP port (tcp_proxy) can hash on. */
  public record SourceIpKey() implements HashKey {}

  /** {@code httpQueryParameterName}. */
  public record QueryParameterKey(String name) implements HashKey {}

  /** The hashing cluster's load balancer: Envoy's ring hash or Maglev. */
  public sealed interface Table {}

  /**
   * {@code ringHash} (or no algorithm: Istio's default).
   *
   * @param minimumRingSize empty keeps Envoy's default
   */
  public record RingHash(java.util.OptionalLong minimumRingSize) implements Table {}

  /** {@code maglev}, with the prime table size Istio's validation requires. */
  public record Maglev(long tableSize) implements Table {}

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
