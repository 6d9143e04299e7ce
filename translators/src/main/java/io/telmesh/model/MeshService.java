package io.telmesh.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * A Kubernetes Service. A Service with {@code serviceNetwork} is served over that secondary
 * network: its endpoints are the selected pods' addresses on it, never their eth0 addresses.
 *
 * @param selector empty when the Service has no selector (endpoints are managed by hand)
 * @param untouchedPorts UDP and SCTP ports: no listener, no cluster, listed with the reason
 * @param trafficPolicy the DestinationRule's traffic policy for this Service's host, if one applies
 * @param routing the VirtualService's HTTP routes for this Service's host, if one applies
 * @param external set for a ServiceEntry host: its key is then the entry's namespace and the host
 *     (a host has dots, a Service name never does)
 */
public record MeshService(
    NamespacedName key,
    Optional<SortedMap<String, String>> selector,
    List<IpAddress> clusterIps,
    boolean headless,
    List<ServicePort> ports,
    List<ServicePort> untouchedPorts,
    Optional<NamespacedName> serviceNetwork,
    Instant created,
    Optional<TrafficPolicy> trafficPolicy,
    Optional<Routing> routing,
    Optional<ExternalHost> external) {

  /** A Kubernetes Service. */
  public MeshService(
      NamespacedName key,
      Optional<SortedMap<String, String>> selector,
      List<IpAddress> clusterIps,
      boolean headless,
      List<ServicePort> ports,
      List<ServicePort> untouchedPorts,
      Optional<NamespacedName> serviceNetwork,
      Instant created,
      Optional<TrafficPolicy> trafficPolicy,
      Optional<Routing> routing) {
    this(
        key,
        selector,
        clusterIps,
        headless,
        ports,
        untouchedPorts,
        serviceNetwork,
        created,
        trafficPolicy,
        routing,
        Optional.empty());
  }

  /** A Service no DestinationRule applies to. */
  public MeshService(
      NamespacedName key,
      Optional<SortedMap<String, String>> selector,
      List<IpAddress> clusterIps,
      boolean headless,
      List<ServicePort> ports,
      List<ServicePort> untouchedPorts,
      Optional<NamespacedName> serviceNetwork,
      Instant created) {
    this(
        key,
        selector,
        clusterIps,
        headless,
        ports,
        untouchedPorts,
        serviceNetwork,
        created,
        Optional.empty(),
        Optional.empty());
  }

  public MeshService withTrafficPolicy(Optional<TrafficPolicy> policy) {
    return new MeshService(
        key,
        selector,
        clusterIps,
        headless,
        ports,
        untouchedPorts,
        serviceNetwork,
        created,
        policy,
        routing,
        external);
  }

  public MeshService withRouting(Optional<Routing> routing) {
    return new MeshService(
        key,
        selector,
        clusterIps,
        headless,
        ports,
        untouchedPorts,
        serviceNetwork,
        created,
        trafficPolicy,
        routing,
        external);
  }

  public static final String DOMAIN_SUFFIX = "svc.cluster.local";

  public MeshService {
    selector =
        selector.map(s -> java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(s)));
    clusterIps = List.copyOf(clusterIps);
    ports = List.copyOf(ports);
    untouchedPorts = List.copyOf(untouchedPorts);
  }

  public String namespace() {
    return key.namespace();
  }

  public String name() {
    return key.name();
  }

  /**
   * {@code name.namespace.svc.cluster.local}, the host Istio names clusters after; a ServiceEntry
   * host as written.
   */
  public String fqdn() {
    return external.isPresent()
        ? external.get().host()
        : key.name() + "." + key.namespace() + "." + DOMAIN_SUFFIX;
  }

  /** How problems name the object this Service comes from. */
  public ObjectRef ref() {
    return external.map(ExternalHost::ref).orElseGet(() -> ObjectRef.service(key));
  }

  /** Whether every port is reached at the address the client dialled (no load balancing). */
  public boolean originalDestination() {
    return headless
        || external.map(e -> e.resolution() == ExternalHost.Resolution.NONE).orElse(false);
  }

  /**
   * Whether the selector picks the given labels (an empty selector picks nothing, as Kubernetes).
   */
  public boolean selects(Map<String, String> labels) {
    return selector
        .filter(s -> !s.isEmpty())
        .map(s -> LabelSelector.matches(s, labels))
        .orElse(false);
  }
}
