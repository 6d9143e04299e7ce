package io.telmesh.outbound;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.RouteActions;
import io.telmesh.model.MeshService;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.TrafficPolicy;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The HTTP routes of one port ({@code RouteConfiguration} named after the port): a virtual host per
 * Service with the names a client may use, and Istio's {@code allow_any} passthrough host.
 */
final class OutboundRouteBuilder {

  private OutboundRouteBuilder() {}

  static RouteConfiguration build(
      int port,
      List<OutboundPort> services,
      String clientNamespace,
      OutboundTrafficPolicy policy,
      HashPolicies hashes) {
    RouteConfiguration.Builder routes =
        RouteConfiguration.newBuilder()
            .setName(Names.outboundRoute(port))
            .setValidateClusters(BoolValue.of(false))
            // Every name is listed once, without :port; a Host header with the port still matches.
            .setIgnorePortInHostMatching(true);
    services.stream()
        .sorted(Comparator.comparing(p -> Names.hostPort(p.service().fqdn(), port)))
        .forEach(p -> routes.addVirtualHosts(virtualHost(p, clientNamespace, hashes)));
    routes.addVirtualHosts(
        policy == OutboundTrafficPolicy.ALLOW_ANY
            ? VirtualHost.newBuilder()
                .setName("allow_any")
                .addDomains("*")
                .addRoutes(route("allow_any", Names.PASSTHROUGH_CLUSTER, Optional.empty()))
            // REGISTRY_ONLY, as istiod: a host the registry does not know is answered 502.
            : VirtualHost.newBuilder()
                .setName("block_all")
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setName("block_all")
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setDirectResponse(DirectResponseAction.newBuilder().setStatus(502))));
    return routes.build();
  }

  private static VirtualHost virtualHost(
      OutboundPort port, String clientNamespace, HashPolicies hashes) {
    VirtualHost.Builder host =
        VirtualHost.newBuilder()
            .setName(Names.hostPort(port.service().fqdn(), port.number()))
            .addAllDomains(domains(port.service(), clientNamespace));
    List<Route> routes = VirtualServiceRoutes.forPort(port.service(), port.number(), hashes);
    if (routes.isEmpty()) {
      // No VirtualService http rule for this port (tcp rules only, or others' ports): the default.
      return host.addRoutes(
              route(
                  "default",
                  port.cluster(),
                  hashes.key(port.service().fqdn(), port.number(), Optional.empty())))
          .build();
    }
    host.addAllRoutes(routes);
    return host.build();
  }

  /** Every name that reaches the Service; the bare name only from its own namespace, as Istio. */
  static List<String> domains(MeshService service, String clientNamespace) {
    return Names.sidecarServiceDomains(service, service.namespace().equals(clientNamespace));
  }

  private static Route route(String name, String cluster, Optional<TrafficPolicy.HashKey> hash) {
    RouteAction.Builder action = RouteActions.withTimeout(Duration.ZERO).setCluster(cluster);
    hash.map(HashPolicies::http).ifPresent(action::addHashPolicy);
    return Route.newBuilder()
        .setName(name)
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(action)
        .build();
  }
}
