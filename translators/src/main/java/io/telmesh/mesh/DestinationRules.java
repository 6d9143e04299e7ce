package io.telmesh.mesh;

import io.telmesh.kube.DestinationRuleReader.DestinationRule;
import io.telmesh.kube.ProblemSink;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TrafficPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Gives each Service the traffic policy of the DestinationRule for its host ({@link IstioHosts}).
 * One rule applies per Service: one in the Service's own namespace first, then the oldest; each
 * other one is a problem saying which applies.
 */
final class DestinationRules {

  private DestinationRules() {}

  static SortedMap<NamespacedName, MeshService> apply(
      SortedMap<NamespacedName, MeshService> services,
      SortedMap<NamespacedName, DestinationRule> rules,
      ProblemSink problems) {
    if (rules.isEmpty()) {
      return services;
    }
    IstioHosts hosts = new IstioHosts(services.values());
    Map<NamespacedName, List<DestinationRule>> candidates = new HashMap<>();
    for (DestinationRule rule : rules.values()) {
      String host = IstioHosts.fqdn(rule.host(), rule.key().namespace());
      MeshService service = hosts.find(rule.host(), rule.key().namespace()).orElse(null);
      if (service == null) {
        problems.add(
            ref(rule),
            "spec.host",
            host + " is no Service of the mesh: the rule applies to nothing");
        continue;
      }
      candidates.computeIfAbsent(service.key(), k -> new ArrayList<>()).add(rule);
    }
    SortedMap<NamespacedName, MeshService> result = new TreeMap<>(services);
    candidates.forEach(
        (key, list) -> {
          MeshService service = services.get(key);
          list.sort(
              Comparator.<DestinationRule, Boolean>comparing(
                      r -> !r.key().namespace().equals(service.namespace()))
                  .thenComparing(DestinationRule::created)
                  .thenComparing(DestinationRule::key));
          DestinationRule chosen = list.get(0);
          for (DestinationRule other : list.subList(1, list.size())) {
            problems.add(
                ref(other),
                "spec.host",
                "another rule for "
                    + service.fqdn()
                    + " applies ("
                    + chosen.key()
                    + "): this one is not merged with it");
          }
          checkDiameter(chosen, service, problems);
          checkLoadBalancer(chosen, service, problems);
          result.put(key, service.withTrafficPolicy(Optional.of(chosen.policy())));
        });
    return result;
  }

  /** An idle timeout would cut idle Diameter connections: the profile keeps none, said aloud. */
  private static void checkDiameter(
      DestinationRule rule, MeshService service, ProblemSink problems) {
    for (ServicePort port : service.ports()) {
      boolean idle =
          rule.policy().forPort(port.port()).tcpIdleTimeout().isPresent()
              || rule.policy().subsets().stream()
                  .anyMatch(s -> s.policy().forPort(port.port()).tcpIdleTimeout().isPresent());
      if (idle && port.protocol() == AppProtocol.DIAMETER) {
        problems.add(
            ref(rule),
            "spec.trafficPolicy.connectionPool.tcp.idleTimeout",
            "not applied to Diameter port "
                + port.port()
                + " of "
                + service.fqdn()
                + ": Diameter connections stay open with no idle timeout (the pass-through"
                + " profile); the Service's other TCP ports get it");
      }
    }
  }

  /**
   * What istiod would silently not apply: a load balancer on a headless Service (its clusters are
   * original destination), and a consistent hash key other than the source IP on a TCP port
   * (tcp_proxy has nothing else to hash; the cluster still hashes, on nothing).
   */
  private static void checkLoadBalancer(
      DestinationRule rule, MeshService service, ProblemSink problems) {
    String field = "spec.trafficPolicy.loadBalancer";
    // The rule's own policy (no subset name), then each subset's, merged over it.
    Map<String, TrafficPolicy> byScope = new java.util.LinkedHashMap<>();
    byScope.put("", rule.policy());
    rule.policy().subsets().forEach(s -> byScope.put(s.name(), s.policy()));
    if (service.originalDestination()) {
      boolean balanced =
          byScope.values().stream()
              .flatMap(p -> Stream.concat(Stream.of(p), p.portLevel().values().stream()))
              .anyMatch(
                  p ->
                      p.consistentHash().isPresent()
                          // PASSTHROUGH asks for what a headless Service's clusters already do.
                          || p.loadBalancer()
                              .filter(lb -> lb != TrafficPolicy.LoadBalancer.PASSTHROUGH)
                              .isPresent());
      if (balanced) {
        problems.add(
            ref(rule),
            field,
            "not applied to "
                + (service.headless() ? "headless Service " : "resolution NONE ServiceEntry host ")
                + service.fqdn()
                + (service.headless()
                    ? ": clients dial the pods' own addresses"
                    : ": connections go where clients dial")
                + " (original destination), as with istiod");
      }
      return;
    }
    for (ServicePort port : service.ports()) {
      if (port.protocol().isHttp() || port.protocol() == AppProtocol.AUTO) {
        continue;
      }
      byScope.forEach(
          (subset, policy) -> {
            Optional<TrafficPolicy.HashKey> key =
                policy
                    .forPort(port.port())
                    .consistentHash()
                    .flatMap(TrafficPolicy.ConsistentHash::key);
            if (key.isPresent() && !(key.get() instanceof TrafficPolicy.SourceIpKey)) {
              problems.add(
                  ref(rule),
                  field + ".consistentHash",
                  "hashes on HTTP requests, which TCP port "
                      + port.port()
                      + " of "
                      + service.fqdn()
                      + (subset.isEmpty() ? "" : " (subset " + subset + ")")
                      + " does not have: only useSourceIp applies to TCP, its connections hash"
                      + " on nothing");
            }
          });
    }
  }

  private static ObjectRef ref(DestinationRule rule) {
    return new ObjectRef("DestinationRule", rule.key().namespace(), rule.key().name());
  }
}
