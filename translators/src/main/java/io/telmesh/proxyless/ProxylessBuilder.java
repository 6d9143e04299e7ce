package io.telmesh.proxyless;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.Protos;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TrafficPolicy;
import io.telmesh.outbound.HashPolicies;
import io.telmesh.outbound.VirtualServiceRoutes;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client side of what proxyless gRPC clients get, shaped as Istio's grpc generator serves it
 * and as grpc-go and grpc-java accept it. For every Service port that can carry gRPC (HTTP family
 * or undeclared):
 *
 * <ul>
 *   <li>a listener per spelling a channel target may use ({@code xds:///<spelling>:<port>}): the
 *       fqdn, {@code <svc>.<ns>}, {@code <svc>.<ns>.svc}, and, for clients in the Service's own
 *       namespace only, {@code <svc>}; each an api_listener whose HTTP connection manager takes its
 *       routes over RDS (ADS) and ends with the router;
 *   <li>one route configuration {@code <fqdn>:<port>} that every spelling's listener names, with
 *       one virtual host matching the channel authority as the client wrote it (every spelling,
 *       with and without the port, and the cluster IPs) and one route {@code /} to the cluster;
 *   <li>one EDS cluster over ADS, round robin, nothing else (grpc-go rejects a whole CDS response
 *       holding a STATIC or ORIGINAL_DST cluster, so sidecar-only clusters are never included).
 * </ul>
 *
 * Opaque TCP and Diameter ports are not offered: a gRPC channel cannot use them.
 */
public final class ProxylessBuilder {

  private ProxylessBuilder() {}

  /** Whether a port can carry gRPC: declared HTTP family, or undeclared (sniffed by sidecars). */
  public static boolean carriesGrpc(AppProtocol protocol) {
    return protocol.isHttp() || protocol == AppProtocol.AUTO;
  }

  public static ProxylessOutbound build(MeshState mesh) {
    Map<String, Listener> listeners = new TreeMap<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    Map<String, List<GrpcPort>> byNamespace = new LinkedHashMap<>();
    for (MeshService service : mesh.services().values()) {
      if (service.external().isPresent()) {
        // ServiceEntry hosts are for sidecars; proxyless clients are not served them yet.
        continue;
      }
      for (ServicePort port : service.ports()) {
        if (!carriesGrpc(port.protocol())) {
          continue;
        }
        GrpcPort grpc = new GrpcPort(service, port, manager(service, port));
        byNamespace.computeIfAbsent(service.namespace(), n -> new ArrayList<>()).add(grpc);
        for (String host :
            List.of(
                service.fqdn(),
                service.name() + "." + service.namespace(),
                service.name() + "." + service.namespace() + ".svc")) {
          String name = Names.hostPort(host, port.port());
          listeners.putIfAbsent(name, listener(name, grpc.manager()));
        }
        routes.add(route(grpc));
        // grpc-java needs no circuit breakers; keep its clusters minimal.
        clusters.add(Clusters.eds(grpc.cluster()).clearCircuitBreakers().build());
        for (TrafficPolicy.Subset subset :
            service.headless()
                ? List.<TrafficPolicy.Subset>of()
                : service.trafficPolicy().map(TrafficPolicy::subsets).orElse(List.of())) {
          clusters.add(
              Clusters.eds(Names.outboundCluster(port.port(), subset.name(), service.fqdn()))
                  .clearCircuitBreakers()
                  .build());
        }
      }
    }
    return new ProxylessOutbound(
        ResourceSegment.of(ResourceType.LISTENER, listeners.values()),
        ResourceSegment.of(ResourceType.ROUTE, routes),
        ResourceSegment.of(ResourceType.CLUSTER, clusters),
        byNamespace);
  }

  /** The {@code <svc>:<port>} listeners of one namespace's ports. */
  static ResourceSegment<Listener> shortNameListeners(List<GrpcPort> ports) {
    Map<String, Listener> listeners = new TreeMap<>();
    for (GrpcPort port : ports) {
      String name = Names.hostPort(port.service().name(), port.port().port());
      listeners.putIfAbsent(name, listener(name, port.manager()));
    }
    return ResourceSegment.of(ResourceType.LISTENER, listeners.values());
  }

  /** The api_listener's HTTP connection manager: RDS over ADS, the router last. */
  private static Any manager(MeshService service, ServicePort port) {
    String hostPort = Names.hostPort(service.fqdn(), port.port());
    return Protos.pack(
        HttpConnectionManager.newBuilder()
            .setStatPrefix(hostPort)
            .setRds(NetworkFilters.rds(hostPort))
            .addHttpFilters(NetworkFilters.router())
            .build());
  }

  private static Listener listener(String name, Any manager) {
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(manager))
        .build();
  }

  /**
   * The port's routes: its VirtualService's, as sidecars get them (weights, subsets, matches,
   * retries, timeouts), else the default route. Per-route filter configs (fault injection) are left
   * out: the client's connection manager runs only the router. Consistent hashing is not offered to
   * proxyless clients (their clusters keep round robin).
   */
  private static RouteConfiguration route(GrpcPort port) {
    List<Route> routes =
        VirtualServiceRoutes.forPort(
                // A proxyless client's labels are unknown here: no sourceLabels match is for it.
                port.service()
                    .withRouting(port.service().routing().map(r -> r.forClient(Map.of()))),
                port.port().port(),
                HashPolicies.none())
            .stream()
            .map(r -> r.toBuilder().clearTypedPerFilterConfig().build())
            .toList();
    if (routes.isEmpty()) {
      routes =
          List.of(
              Route.newBuilder()
                  .setName("default")
                  .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                  .setRoute(RouteAction.newBuilder().setCluster(port.cluster()))
                  .build());
    }
    return RouteConfiguration.newBuilder()
        .setName(port.hostPort())
        .setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(port.hostPort())
                .addAllDomains(Names.serviceDomains(port.service(), port.port().port(), true))
                .addAllRoutes(routes))
        .build();
  }
}
