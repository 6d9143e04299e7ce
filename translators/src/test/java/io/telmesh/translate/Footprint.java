package io.telmesh.translate;

import io.telmesh.envoy.Names;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.MeshService;
import io.telmesh.model.PodInterface;
import io.telmesh.model.ServicePort;
import io.telmesh.model.Workload;
import io.telmesh.testing.ResourceDiff;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The resources of one proxy a change touches, by name: what a test expects to differ, and what a
 * {@link ResourceDiff} found differing. A listener is touched when its listener-level fields or any
 * of its chains are, so naming either names the listener too.
 *
 * @param chains per listener present before and after, the names of chains added, removed or
 *     changed
 */
record Footprint(
    SortedSet<String> listeners,
    SortedSet<String> listenerLevel,
    SortedMap<String, SortedSet<String>> chains,
    SortedSet<String> clusters,
    SortedSet<String> routes,
    SortedSet<String> endpoints) {

  static final Footprint NONE =
      new Footprint(
          new TreeSet<>(),
          new TreeSet<>(),
          new TreeMap<>(),
          new TreeSet<>(),
          new TreeSet<>(),
          new TreeSet<>());

  Footprint {
    listeners = Collections.unmodifiableSortedSet(new TreeSet<>(listeners));
    listenerLevel = Collections.unmodifiableSortedSet(new TreeSet<>(listenerLevel));
    SortedMap<String, SortedSet<String>> copy = new TreeMap<>();
    chains.forEach(
        (l, names) -> copy.put(l, Collections.unmodifiableSortedSet(new TreeSet<>(names))));
    chains = Collections.unmodifiableSortedMap(copy);
    clusters = Collections.unmodifiableSortedSet(new TreeSet<>(clusters));
    routes = Collections.unmodifiableSortedSet(new TreeSet<>(routes));
    endpoints = Collections.unmodifiableSortedSet(new TreeSet<>(endpoints));
  }

  static Footprint of(ResourceDiff diff) {
    return new Footprint(
        diff.listeners().all(),
        diff.listenerLevel(),
        diff.chainNames(),
        diff.clusters().all(),
        diff.routes().all(),
        diff.endpoints().all());
  }

  Footprint listeners(String... names) {
    return new Footprint(
        union(listeners, names), listenerLevel, chains, clusters, routes, endpoints);
  }

  /** The listener's own fields change: Envoy drains it whole. */
  Footprint listenerLevel(String listener) {
    return new Footprint(
        union(listeners, listener),
        union(listenerLevel, listener),
        chains,
        clusters,
        routes,
        endpoints);
  }

  Footprint chains(String listener, String... names) {
    SortedMap<String, SortedSet<String>> more = new TreeMap<>(chains);
    more.put(listener, union(chains.getOrDefault(listener, new TreeSet<>()), names));
    return new Footprint(
        union(listeners, listener), listenerLevel, more, clusters, routes, endpoints);
  }

  Footprint clusters(String... names) {
    return new Footprint(
        listeners, listenerLevel, chains, union(clusters, names), routes, endpoints);
  }

  Footprint routes(String... names) {
    return new Footprint(
        listeners, listenerLevel, chains, clusters, union(routes, names), endpoints);
  }

  Footprint endpoints(String... names) {
    return new Footprint(
        listeners, listenerLevel, chains, clusters, routes, union(endpoints, names));
  }

  /**
   * The cluster and the assignment of one Service port: both named {@code outbound|<port>||<fqdn>}.
   */
  Footprint outboundCluster(int port, String fqdn) {
    String name = Names.outboundCluster(port, fqdn);
    return clusters(name).endpoints(name);
  }

  Footprint plus(Footprint other) {
    Footprint sum =
        new Footprint(
            union(listeners, other.listeners.toArray(String[]::new)),
            union(listenerLevel, other.listenerLevel.toArray(String[]::new)),
            chains,
            union(clusters, other.clusters.toArray(String[]::new)),
            union(routes, other.routes.toArray(String[]::new)),
            union(endpoints, other.endpoints.toArray(String[]::new)));
    for (var entry : other.chains.entrySet()) {
      sum = sum.chains(entry.getKey(), entry.getValue().toArray(String[]::new));
    }
    return sum;
  }

  /**
   * What every sidecar sees when a (non-headless) Service port comes, goes or changes: its cluster
   * and assignment, its {@code <vip>_<port>} listener unless it is an explicit HTTP port (those
   * share {@code 0.0.0.0_<port>}, whose bytes name only the port), and the port's route when it is
   * HTTP or sniffed.
   */
  static Footprint outboundPort(MeshService service, ServicePort port) {
    Footprint footprint = NONE.outboundCluster(port.port(), service.fqdn());
    if (!port.protocol().isHttp()) {
      footprint =
          footprint.listeners(Names.listener(service.clusterIps().get(0).address(), port.port()));
    }
    if (port.protocol().isHttp() || port.protocol() == AppProtocol.AUTO) {
      footprint = footprint.routes(Names.outboundRoute(port.port()));
    }
    return footprint;
  }

  static Footprint outboundService(MeshService service) {
    Footprint footprint = NONE;
    for (ServicePort port : service.ports()) {
      footprint = footprint.plus(outboundPort(service, port));
    }
    return footprint;
  }

  /**
   * What the selected pod's own proxy sees when a target port comes or goes: Istio's chain {@code
   * 0.0.0.0_<port>}, a chain per captured interface with addresses (pods with a secondary network
   * only), the inbound cluster; and, for a sniffed port only, the HTTP inspector's predicate, a
   * listener-level field.
   */
  static Footprint inboundPort(Workload pod, int port, boolean sniffed) {
    List<String> names =
        new java.util.ArrayList<>(List.of(Names.listener(Names.WILDCARD_V4, port)));
    if (pod.hasSecondaryInterfaces() && pod.capture().capturesInboundPort(port)) {
      for (PodInterface iface : pod.interfaces()) {
        if (!iface.ips().isEmpty() && pod.capture().capturesInboundOn(iface.name())) {
          names.add(Names.interfaceChain(iface.name(), port));
        }
      }
    }
    Footprint footprint =
        NONE.chains(Names.VIRTUAL_INBOUND, names.toArray(String[]::new))
            .clusters(Names.inboundCluster(port));
    return sniffed ? footprint.listenerLevel(Names.VIRTUAL_INBOUND) : footprint;
  }

  private static SortedSet<String> union(SortedSet<String> set, String... more) {
    SortedSet<String> union = new TreeSet<>(set);
    union.addAll(Arrays.asList(more));
    return union;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    append(text, "listeners", listeners);
    append(text, "listener-level", listenerLevel);
    chains.forEach((l, names) -> append(text, "chains of " + l, names));
    append(text, "clusters", clusters);
    append(text, "routes", routes);
    append(text, "endpoints", endpoints);
    return text.length() == 0 ? "(nothing)" : text.toString().strip();
  }

  private static void append(StringBuilder text, String what, SortedSet<String> names) {
    if (!names.isEmpty()) {
      text.append('\n').append(what).append(": ").append(names);
    }
  }
}
