package io.telmesh.validate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.resources.ProxyResources;
import io.telmesh.validate.ResourceFacts.Located;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules Envoy enforces across resources, which no proto annotation can express: unique names
 * and listener addresses, no two filter chains with the same matching rules, every cluster named by
 * a tcp_proxy, route or api_listener exists, every route named over RDS exists, every EDS cluster
 * has its ClusterLoadAssignment, ports in range. Pure: the same resources always give the same
 * violations, sorted.
 */
public final class CrossResourceValidator {

  private CrossResourceValidator() {}

  public static List<Violation> validate(ProxyResources resources) {
    return validate(
        resources.listeners().all(),
        resources.clusters().all(),
        resources.routes().all(),
        resources.endpoints().all());
  }

  public static List<Violation> validate(
      List<Listener> listeners,
      List<Cluster> clusters,
      List<RouteConfiguration> routes,
      List<ClusterLoadAssignment> endpoints) {
    return combine(List.of(ResourceFacts.of(listeners, clusters, routes, endpoints)));
  }

  /** The rules over the union of several groups' facts (a proxy's segments). */
  public static List<Violation> combine(List<ResourceFacts> groups) {
    List<Violation> violations = new ArrayList<>();
    Set<String> clusters = new HashSet<>();
    Set<String> routes = new HashSet<>();
    Set<String> listeners = new HashSet<>();
    Set<String> assignments = new HashSet<>();
    Map<String, String> addressOwner = new HashMap<>();
    for (ResourceFacts facts : groups) {
      violations.addAll(facts.internal());
      unique(
          facts.listenerNames(),
          listeners,
          "Listener",
          "listener.unique_name",
          "duplicate listener name",
          violations);
      unique(
          facts.clusterNames(),
          clusters,
          "Cluster",
          "cluster.unique_name",
          "duplicate cluster name",
          violations);
      unique(
          facts.routeNames(),
          routes,
          "RouteConfiguration",
          "route.unique_name",
          "duplicate route configuration name",
          violations);
      assignments.addAll(facts.assignmentNames());
      for (Located address : facts.addresses()) {
        String owner = addressOwner.putIfAbsent(address.value(), address.resourceName());
        if (owner != null && !owner.equals(address.resourceName())) {
          violations.add(
              new Violation(
                  "Listener",
                  address.resourceName(),
                  address.path(),
                  "listener.unique_address",
                  "address " + address.value() + " is already used by listener " + owner));
        }
      }
    }
    for (ResourceFacts facts : groups) {
      for (Located reference : facts.clusterReferences()) {
        if (!clusters.contains(reference.value())) {
          violations.add(
              new Violation(
                  reference.resourceType(),
                  reference.resourceName(),
                  reference.path(),
                  "reference.cluster",
                  "names cluster " + reference.value() + ", which does not exist"));
        }
      }
      for (Located reference : facts.routeReferences()) {
        if (!routes.contains(reference.value())) {
          violations.add(
              new Violation(
                  reference.resourceType(),
                  reference.resourceName(),
                  reference.path(),
                  "reference.route",
                  "RDS names route configuration " + reference.value() + ", which does not exist"));
        }
      }
      for (Located service : facts.edsServiceNames()) {
        if (!assignments.contains(service.value())) {
          violations.add(
              new Violation(
                  "Cluster",
                  service.resourceName(),
                  service.path(),
                  "cluster.eds_assignment",
                  "no ClusterLoadAssignment named " + service.value()));
        }
      }
    }
    return violations.stream().sorted().toList();
  }

  private static void unique(
      List<String> names,
      Set<String> seen,
      String type,
      String rule,
      String message,
      List<Violation> violations) {
    for (String name : names) {
      if (!seen.add(name)) {
        violations.add(new Violation(type, name, "name", rule, message));
      }
    }
  }
}
