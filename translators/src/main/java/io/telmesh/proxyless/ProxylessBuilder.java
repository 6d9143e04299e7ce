package io.telmesh.proxyless;

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
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import java.util.ArrayList;
import java.util.List;

/**
 * What proxyless gRPC clients get: for every Service port that can carry gRPC (HTTP family or
 * undeclared), a listener {@code <fqdn>:<port>} holding an api_listener (HTTP connection manager,
 * router last, routes over RDS), a route of the same name, and an EDS cluster. Opaque TCP and
 * Diameter ports are not offered: a gRPC channel cannot use them.
 */
public final class ProxylessBuilder {

  /** Proxyless resources of one mesh state; the ClusterLoadAssignments are the sidecars' own. */
  public record Resources(
      ResourceSegment<Listener> listeners,
      ResourceSegment<RouteConfiguration> routes,
      ResourceSegment<Cluster> clusters) {}

  private ProxylessBuilder() {}

  public static Resources build(MeshState mesh) {
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    for (MeshService service : mesh.services().values()) {
      for (ServicePort port : service.ports()) {
        if (!port.protocol().isHttp() && port.protocol() != AppProtocol.AUTO) {
          continue;
        }
        String hostPort = Names.hostPort(service.fqdn(), port.port());
        String cluster = Names.outboundCluster(port.port(), service.fqdn());
        listeners.add(listener(hostPort));
        routes.add(route(hostPort, service, cluster));
        // grpc-java needs no circuit breakers; keep its clusters minimal.
        clusters.add(Clusters.eds(cluster).clearCircuitBreakers().build());
      }
    }
    return new Resources(
        ResourceSegment.of(ResourceType.LISTENER, listeners),
        ResourceSegment.of(ResourceType.ROUTE, routes),
        ResourceSegment.of(ResourceType.CLUSTER, clusters));
  }

  private static Listener listener(String hostPort) {
    HttpConnectionManager manager =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(hostPort)
            .setRds(NetworkFilters.rds(hostPort))
            .addHttpFilters(NetworkFilters.router())
            .build();
    return Listener.newBuilder()
        .setName(hostPort)
        .setApiListener(ApiListener.newBuilder().setApiListener(Protos.pack(manager)))
        .build();
  }

  private static RouteConfiguration route(String hostPort, MeshService service, String cluster) {
    return RouteConfiguration.newBuilder()
        .setName(hostPort)
        .setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName(hostPort)
                .addDomains(hostPort)
                .addDomains(service.fqdn())
                .addRoutes(
                    Route.newBuilder()
                        .setName("default")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }
}
