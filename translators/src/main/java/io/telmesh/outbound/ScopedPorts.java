package io.telmesh.outbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.telmesh.model.MeshState;
import io.telmesh.model.Routing;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import io.telmesh.scope.EgressScope;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Service ports a scope's sidecars get config for: those its Sidecar imports, plus every port
 * of the Services their VirtualServices route to (istiod adds a VirtualService's destinations to
 * the scope, so a route never points at a cluster the sidecar lacks).
 */
final class ScopedPorts {

  private ScopedPorts() {}

  static List<OutboundPort> visible(MeshState mesh, List<OutboundPort> all, EgressScope scope) {
    if (scope.seesEverything()) {
      return all;
    }
    Set<String> destinations = new HashSet<>();
    for (OutboundPort port : all) {
      if (scope.imports(port.service(), port.number())) {
        port.service().routing().stream()
            .flatMap(ScopedPorts::destinationHosts)
            .forEach(destinations::add);
      }
    }
    return all.stream()
        .filter(
            p ->
                scope.imports(p.service(), p.number()) || destinations.contains(p.service().fqdn()))
        .toList();
  }

  private static Stream<String> destinationHosts(Routing routing) {
    return Stream.concat(
            routing.rules().stream().flatMap(r -> r.destinations().stream()),
            routing.tcp().stream().flatMap(r -> r.destinations().stream()))
        .map(Routing.WeightedDestination::fqdn);
  }

  /** The assignments of these clusters only. */
  static ResourceSegment<ClusterLoadAssignment> endpointsOf(
      ResourceSegment<ClusterLoadAssignment> endpoints, Collection<Cluster> clusters) {
    return ResourceSegment.of(
        ResourceType.ENDPOINT,
        clusters.stream()
            .map(c -> endpoints.byName().get(c.getName()))
            .filter(a -> a != null)
            .toList());
  }
}
