package io.telmesh.outbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.envoy.AccessLogs;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.IstioMutualTls;
import io.telmesh.envoy.Names;
import io.telmesh.model.ExternalHost;
import io.telmesh.model.IpAddress;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TrafficPolicy;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.UntouchedReasons;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import io.telmesh.scope.EgressScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/** Builds the {@link SharedOutbound} part of a mesh state, once for all sidecars. */
public final class OutboundBuilder {

  /** Ports where a {@code 0.0.0.0} listener would collide with the sidecar's own listeners. */
  static final Set<Integer> WILDCARD_RESERVED =
      Set.of(Names.OUTBOUND_CAPTURE_PORT, Names.INBOUND_CAPTURE_PORT, 15000, 15021, 15090);

  private static final Comparator<MeshService> OLDEST_FIRST =
      Comparator.comparing(MeshService::created).thenComparing(MeshService::key);

  private OutboundBuilder() {}

  /**
   * Every Service port's ClusterLoadAssignment; independent of any proxy setting.
   *
   * @param reusable an earlier, still valid assignment for a Service port, if there is one
   */
  public static ResourceSegment<ClusterLoadAssignment> endpoints(
      MeshState mesh,
      BiFunction<NamespacedName, Integer, Optional<ClusterLoadAssignment>> reusable) {
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    for (OutboundPort port : ports(mesh)) {
      addAssignments(mesh, port, reusable, assignments);
    }
    return ResourceSegment.of(ResourceType.ENDPOINT, assignments);
  }

  /**
   * {@code previous} with the assignments of the {@code changed} Services built again, for a mesh
   * state that differs from the one {@code previous} was built from in those Services' endpoints
   * only: every other assignment, subsets included, depends on nothing that moved.
   */
  public static ResourceSegment<ClusterLoadAssignment> endpointsAfter(
      MeshState mesh,
      ResourceSegment<ClusterLoadAssignment> previous,
      Iterable<NamespacedName> changed) {
    List<ClusterLoadAssignment> rebuilt = new ArrayList<>();
    for (NamespacedName key : changed) {
      MeshService service = mesh.services().get(key);
      if (service != null) {
        for (ServicePort port : service.ports()) {
          addAssignments(
              mesh, new OutboundPort(service, port), (s, p) -> Optional.empty(), rebuilt);
        }
      }
    }
    return previous.with(rebuilt);
  }

  /** A Service port's assignment and its subsets' (none for DNS and NONE entries). */
  private static void addAssignments(
      MeshState mesh,
      OutboundPort port,
      BiFunction<NamespacedName, Integer, Optional<ClusterLoadAssignment>> reusable,
      List<ClusterLoadAssignment> assignments) {
    if (port.service().external().isPresent()
        && port.service().external().get().resolution() != ExternalHost.Resolution.STATIC) {
      // DNS entries carry their endpoints in the cluster; NONE entries have none.
      return;
    }
    assignments.add(
        reusable
            .apply(port.service().key(), port.number())
            .orElseGet(
                () ->
                    EndpointBuilder.build(
                        port.cluster(), mesh.endpointsOf(port.service().key(), port.number()))));
    if (!port.service().originalDestination()) {
      for (TrafficPolicy.Subset subset : subsets(port.service())) {
        assignments.add(
            EndpointBuilder.build(
                Names.outboundCluster(port.number(), subset.name(), port.service().fqdn()),
                subsetEndpoints(mesh, port, subset)));
      }
    }
  }

  /** The shared outbound part without access logs. */
  public static SharedOutbound build(
      MeshState mesh,
      ResourceSegment<ClusterLoadAssignment> endpoints,
      Optional<Duration> idleTimeout) {
    return build(mesh, endpoints, idleTimeout, false);
  }

  /** The shared outbound part of sidecars that see every Service, with the mesh's default. */
  public static SharedOutbound build(
      MeshState mesh,
      ResourceSegment<ClusterLoadAssignment> endpoints,
      Optional<Duration> idleTimeout,
      boolean accessLog) {
    return build(
        mesh,
        endpoints,
        idleTimeout,
        accessLog,
        EgressScope.everything(OutboundTrafficPolicy.ALLOW_ANY));
  }

  /** The shared outbound part of sidecars in the default trust domain. */
  public static SharedOutbound build(
      MeshState mesh,
      ResourceSegment<ClusterLoadAssignment> endpoints,
      Optional<Duration> idleTimeout,
      boolean accessLog,
      EgressScope scope) {
    return build(
        mesh, endpoints, idleTimeout, accessLog, scope, IstioMutualTls.DEFAULT_TRUST_DOMAIN);
  }

  /**
   * The shared outbound listeners, clusters and routes.
   *
   * @param idleTimeout the sidecars' {@code IDLE_TIMEOUT}, which tcp_proxy filters carry
   * @param accessLog whether every listener's chains write an access log line to stdout; the
   *     sidecars that have logs on share this variant as the others share the one without
   * @param scope which Services the sidecars see (their Sidecar's egress) and what happens to other
   *     destinations
   * @param trustDomain the mesh's, in which mutual TLS clusters expect their servers' identities
   */
  public static SharedOutbound build(
      MeshState mesh,
      ResourceSegment<ClusterLoadAssignment> endpoints,
      Optional<Duration> idleTimeout,
      boolean accessLog,
      EgressScope scope,
      String trustDomain) {
    ServiceIdentities identities = new ServiceIdentities(mesh, trustDomain);
    List<Problem> problems = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    Map<String, Listener> listeners = new LinkedHashMap<>();
    Map<Integer, List<OutboundPort>> httpByPort = new TreeMap<>();
    HashPolicies hashes = HashPolicies.of(mesh.services().values());

    List<OutboundPort> allPorts = ports(mesh);
    List<OutboundPort> visible = ScopedPorts.visible(mesh, allPorts, scope);
    for (OutboundPort port : visible) {
      clusters.add(OutboundClusterBuilder.build(port, identities));
      subsets(port.service())
          .forEach(s -> clusters.add(OutboundClusterBuilder.subset(port, s, identities)));
      if (port.port().protocol().isHttp()) {
        httpByPort.computeIfAbsent(port.number(), p -> new ArrayList<>()).add(port);
        continue;
      }
      if (port.port().protocol() == io.telmesh.model.AppProtocol.AUTO) {
        httpByPort.computeIfAbsent(port.number(), p -> new ArrayList<>()).add(port);
      }
      if (port.service().external().isPresent()
          && port.service().clusterIps().isEmpty()
          && WILDCARD_RESERVED.contains(port.number())) {
        problems.add(
            Problem.of(
                port.service().ref(),
                port.port().field(),
                "port "
                    + port.number()
                    + " without addresses would take the sidecar's own 0.0.0.0:"
                    + port.number()
                    + "; not served outbound (give the entry addresses)"));
        continue;
      }
      for (List<IpAddress> addresses : listenerAddresses(mesh, port)) {
        Optional<AccessLogs.Chain> logAs =
            accessLog
                ? Optional.of(
                    AccessLogs.Chain.outbound()
                        .onNetwork(network(port.service()))
                        .port(port.number()))
                : Optional.empty();
        Listener listener =
            OutboundListenerBuilder.addressed(port, addresses, idleTimeout, logAs, hashes);
        Listener earlier = listeners.putIfAbsent(listener.getName(), listener);
        if (earlier != null) {
          problems.add(
              Problem.of(
                  port.service().ref(),
                  port.port().field(),
                  "listener "
                      + listener.getName()
                      + " is already built for an older Service; this port is not served there"));
        }
      }
    }
    for (int port : httpByPort.keySet()) {
      boolean explicitHttp =
          httpByPort.get(port).stream().anyMatch(p -> p.port().protocol().isHttp());
      if (!explicitHttp) {
        continue;
      }
      if (WILDCARD_RESERVED.contains(port)) {
        httpByPort.get(port).stream()
            .filter(p -> p.port().protocol().isHttp())
            .forEach(
                p ->
                    problems.add(
                        Problem.of(
                            p.service().ref(),
                            p.port().field(),
                            "HTTP port "
                                + port
                                + " collides with a sidecar listener on 0.0.0.0:"
                                + port
                                + "; not served outbound")));
        continue;
      }
      Optional<AccessLogs.Chain> logAs =
          accessLog ? Optional.of(httpChain(port, httpByPort.get(port))) : Optional.empty();
      Listener listener = OutboundListenerBuilder.http(port, logAs, scope.policy());
      Listener replaced = listeners.put(listener.getName(), listener);
      if (replaced != null) {
        problems.add(
            Problem.of(
                httpByPort.get(port).get(0).service().ref(),
                "spec.ports",
                "listener "
                    + listener.getName()
                    + " serves HTTP port "
                    + port
                    + "; a ServiceEntry without addresses on this port is not served there"));
      }
    }
    clusters.add(OutboundClusterBuilder.passthrough());
    clusters.add(Clusters.blackHole());

    return new SharedOutbound(
        ResourceSegment.of(ResourceType.LISTENER, listeners.values()),
        ResourceSegment.of(ResourceType.CLUSTER, clusters),
        routesByNamespace(mesh, httpByPort, scope, hashes),
        visible == allPorts ? endpoints : ScopedPorts.endpointsOf(endpoints, clusters),
        untouched(mesh),
        problems);
  }

  private static List<TrafficPolicy.Subset> subsets(MeshService service) {
    return service.trafficPolicy().map(TrafficPolicy::subsets).orElse(List.of());
  }

  /** The port's endpoints whose pods carry the subset's labels (Istio's endpoint labels). */
  private static List<ServiceEndpoint> subsetEndpoints(
      MeshState mesh, OutboundPort port, TrafficPolicy.Subset subset) {
    return mesh.endpointsOf(port.service().key(), port.number()).stream()
        .filter(
            e -> e.pod().flatMap(mesh::workload).map(w -> subset.selects(w.labels())).orElse(false))
        .toList();
  }

  /** The network a Service is served on: its service network, else the cluster network. */
  private static String network(MeshService service) {
    return service
        .serviceNetwork()
        .map(NamespacedName::toString)
        .orElse(PodInterface.DEFAULT_NETWORK);
  }

  /**
   * The shared HTTP listener of a port routes to every HTTP Service on it: it names a network only
   * when they all are on the same one.
   */
  private static AccessLogs.Chain httpChain(int port, List<OutboundPort> services) {
    AccessLogs.Chain chain = AccessLogs.Chain.outbound().port(port);
    List<String> networks =
        services.stream()
            .filter(p -> p.port().protocol().isHttp())
            .map(p -> network(p.service()))
            .distinct()
            .toList();
    return networks.size() == 1 ? chain.onNetwork(networks.get(0)) : chain;
  }

  /** Every TCP Service port, oldest Service first so it wins listener collisions. */
  static List<OutboundPort> ports(MeshState mesh) {
    List<OutboundPort> ports = new ArrayList<>();
    mesh.services().values().stream()
        .sorted(OLDEST_FIRST)
        .forEach(s -> s.ports().forEach(p -> ports.add(new OutboundPort(s, p))));
    return ports;
  }

  /**
   * One listener per VIP set, or per ready endpoint address of a headless Service; a ServiceEntry
   * without addresses listens on {@code 0.0.0.0} for its port, as istiod does (so it takes every
   * connection to that port that no more specific listener takes).
   */
  private static List<List<IpAddress>> listenerAddresses(MeshState mesh, OutboundPort port) {
    MeshService service = port.service();
    if (service.external().isPresent() && service.clusterIps().isEmpty()) {
      return List.of(List.of(IpAddress.parse(Names.WILDCARD_V4).orElseThrow()));
    }
    if (!service.headless()) {
      return service.clusterIps().isEmpty() ? List.of() : List.of(service.clusterIps());
    }
    Set<IpAddress> addresses = new TreeSet<>();
    for (ServiceEndpoint endpoint : mesh.endpointsOf(service.key(), port.number())) {
      if (endpoint.ready()) {
        addresses.add(endpoint.address());
      }
    }
    return addresses.stream().map(List::of).toList();
  }

  /**
   * Routes for each client namespace; a scoped variant serves one namespace's sidecars, so only
   * that namespace's.
   */
  private static Map<String, ResourceSegment<RouteConfiguration>> routesByNamespace(
      MeshState mesh,
      Map<Integer, List<OutboundPort>> httpByPort,
      EgressScope scope,
      HashPolicies hashes) {
    Set<String> namespaces = new TreeSet<>();
    if (scope.clientNamespace().isPresent()) {
      namespaces.add(scope.clientNamespace().get());
    } else {
      namespaces.add("");
      mesh.workloads().keySet().forEach(k -> namespaces.add(k.namespace()));
    }
    Map<String, ResourceSegment<RouteConfiguration>> result = new HashMap<>();
    for (String namespace : namespaces) {
      List<RouteConfiguration> routes = new ArrayList<>();
      httpByPort.forEach(
          (port, services) ->
              routes.add(
                  OutboundRouteBuilder.build(port, services, namespace, scope.policy(), hashes)));
      result.put(namespace, ResourceSegment.of(ResourceType.ROUTE, routes));
    }
    return result;
  }

  private static List<UntouchedPort> untouched(MeshState mesh) {
    List<UntouchedPort> untouched = new ArrayList<>();
    for (MeshService service : mesh.services().values()) {
      for (ServicePort port : service.untouchedPorts()) {
        untouched.add(
            new UntouchedPort(
                service.ref(),
                port.name(),
                port.port(),
                port.transport(),
                UntouchedReasons.of(port.transport())));
      }
    }
    return untouched.stream().sorted().toList();
  }
}
