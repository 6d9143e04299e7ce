package io.telmesh.outbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.model.Problem;
import io.telmesh.model.UntouchedPort;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import java.util.List;
import java.util.Map;

/**
 * The outbound resources every sidecar of a mesh state shares. Routes differ only by the client's
 * namespace (Istio lets same-namespace clients use the short Service name), so there is one route
 * segment per namespace.
 *
 * @param untouched every Service port telmesh leaves alone, mesh-wide
 */
public record SharedOutbound(
    ResourceSegment<Listener> listeners,
    ResourceSegment<Cluster> clusters,
    Map<String, ResourceSegment<RouteConfiguration>> routesByNamespace,
    ResourceSegment<ClusterLoadAssignment> endpoints,
    List<UntouchedPort> untouched,
    List<Problem> problems) {

  public SharedOutbound {
    routesByNamespace = Map.copyOf(routesByNamespace);
    untouched = List.copyOf(untouched);
    problems = List.copyOf(problems);
  }

  /**
   * The same outbound part with another mesh state's endpoints (when nothing else changed), only
   * those of its own clusters when it does not hold every Service's.
   */
  public SharedOutbound withEndpoints(ResourceSegment<ClusterLoadAssignment> next) {
    ResourceSegment<ClusterLoadAssignment> own =
        next.replacedSince(endpoints).isPresent()
            ? next
            : ScopedPorts.endpointsOf(next, clusters.resources());
    return new SharedOutbound(listeners, clusters, routesByNamespace, own, untouched, problems);
  }

  /** The routes a client in this namespace sees. */
  public ResourceSegment<RouteConfiguration> routesFor(String namespace) {
    ResourceSegment<RouteConfiguration> routes = routesByNamespace.get(namespace);
    return routes != null
        ? routes
        : routesByNamespace.getOrDefault("", ResourceSegment.empty(ResourceType.ROUTE));
  }
}
