package io.telmesh.outbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Routing;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import io.telmesh.scope.EgressScope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Service ports a scope's sidecars get config for: those its Sidecar imports, plus every port
 * of the Services their VirtualServices route to (istiod adds a VirtualService's destinations to
 * the scope, so a route never points at a cluster the sidecar lacks); and of those, what the
 * client's namespace is exported.
 */
final class ScopedPorts {

  private ScopedPorts() {}

  /**
   * The ports the scope's sidecars get, as they see them: without the DestinationRule or
   * VirtualService not exported to their namespace, and without ServiceEntry hosts not exported to
   * it. {@code all} itself when nothing is left out.
   */
  static List<OutboundPort> visible(MeshState mesh, List<OutboundPort> all, EgressScope scope) {
    boolean sourceLabels =
        all.stream()
            .anyMatch(p -> p.service().routing().filter(Routing::usesSourceLabels).isPresent());
    List<OutboundPort> exported =
        (mesh.exports().isEmpty() || scope.clientNamespace().isEmpty()) && !sourceLabels
            ? all
            : clientViews(mesh, all, scope);
    if (scope.seesEverything()) {
      return exported;
    }
    Set<String> destinations = new HashSet<>();
    for (OutboundPort port : exported) {
      if (scope.imports(port.service(), port.number())) {
        port.service().routing().stream()
            .flatMap(ScopedPorts::destinationHosts)
            .forEach(destinations::add);
      }
    }
    return exported.stream()
        .filter(
            p ->
                scope.imports(p.service(), p.number()) || destinations.contains(p.service().fqdn()))
        .toList();
  }

  /**
   * Istio's {@code exportTo}, as far as telmesh applies it: one rule per host, which a client
   * outside its export does not get (Istio would look for another rule exported to it).
   */
  private static List<OutboundPort> clientViews(
      MeshState mesh, List<OutboundPort> all, EgressScope scope) {
    Map<NamespacedName, Optional<MeshService>> views = new HashMap<>();
    List<OutboundPort> result = new ArrayList<>();
    for (OutboundPort port : all) {
      Optional<MeshService> view =
          views.computeIfAbsent(port.service().key(), k -> clientView(mesh, port.service(), scope));
      view.ifPresent(
          s -> result.add(s.equals(port.service()) ? port : new OutboundPort(s, port.port())));
    }
    return result;
  }

  /**
   * The Service as this scope's clients see it: gone if it (a Service by its {@code
   * networking.istio.io/exportTo} annotation, or a ServiceEntry host) is not exported to them,
   * without a rule not exported to them, its routes cut to the matches their labels qualify for
   * ({@code sourceLabels}; a client with no known labels qualifies for none of those).
   */
  private static Optional<MeshService> clientView(
      MeshState mesh, MeshService service, EgressScope scope) {
    String client = scope.clientNamespace().orElse("");
    boolean exports = !mesh.exports().isEmpty() && scope.clientNamespace().isPresent();
    if (exports && !mesh.exportedTo(service.ref(), client)) {
      return Optional.empty();
    }
    MeshService view = service;
    if (exports
        && service
            .trafficPolicy()
            .filter(p -> !mesh.exportedTo(ref("DestinationRule", p.rule()), client))
            .isPresent()) {
      view = view.withTrafficPolicy(Optional.empty());
    }
    if (exports
        && service
            .routing()
            .filter(r -> !mesh.exportedTo(ref("VirtualService", r.rule()), client))
            .isPresent()) {
      view = view.withRouting(Optional.empty());
    }
    if (view.routing().filter(Routing::usesSourceLabels).isPresent()) {
      view = view.withRouting(view.routing().map(r -> r.forClient(scope.clientLabels())));
    }
    return Optional.of(view);
  }

  private static ObjectRef ref(String kind, NamespacedName key) {
    return new ObjectRef(kind, key.namespace(), key.name());
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
