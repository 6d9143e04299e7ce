package io.telmesh.mesh;

import io.telmesh.kube.ProblemSink;
import io.telmesh.kube.VirtualServiceReader;
import io.telmesh.kube.VirtualServiceReader.VirtualService;
import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Routing;
import io.telmesh.model.TrafficPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Gives each Service the routes of the VirtualService for its host, with every destination resolved
 * to a Service of the mesh ({@link IstioHosts}) and, when it names a subset, to a subset its
 * DestinationRule defines. A rule whose destination resolves to nothing is a problem and left out,
 * rather than a route to a cluster that does not exist. One VirtualService per host: the oldest;
 * the others are problems.
 */
final class VirtualServices {

  private VirtualServices() {}

  static SortedMap<NamespacedName, MeshService> apply(
      SortedMap<NamespacedName, MeshService> services,
      SortedMap<NamespacedName, VirtualService> virtualServices,
      ProblemSink problems) {
    if (virtualServices.isEmpty()) {
      return services;
    }
    IstioHosts byHost = new IstioHosts(services.values());
    List<VirtualService> ordered = new ArrayList<>(virtualServices.values());
    ordered.sort(Comparator.comparing(VirtualService::created).thenComparing(VirtualService::key));
    SortedMap<NamespacedName, MeshService> result = new TreeMap<>(services);
    Map<NamespacedName, NamespacedName> claimed = new HashMap<>();
    for (VirtualService vs : ordered) {
      ObjectRef ref = new ObjectRef("VirtualService", vs.key().namespace(), vs.key().name());
      List<Routing.HttpRule> rules = resolve(vs, ref, byHost, problems);
      List<Routing.TcpRule> tcp = resolveTcp(vs, ref, byHost, problems);
      for (String host : vs.hosts()) {
        MeshService service = byHost.find(host, vs.key().namespace()).orElse(null);
        if (service == null) {
          problems.add(
              ref, "spec.hosts", host + " is no Service of the mesh: its routes apply to nothing");
          continue;
        }
        NamespacedName before = claimed.putIfAbsent(service.key(), vs.key());
        if (before != null) {
          problems.add(
              ref,
              "spec.hosts",
              "another VirtualService for "
                  + service.fqdn()
                  + " applies ("
                  + before
                  + "): this one is not merged with it");
          continue;
        }
        if (service.external().isPresent()
            && service.clusterIps().isEmpty()
            && tcp.stream()
                .flatMap(r -> r.matches().stream())
                .anyMatch(m -> !m.destinationSubnets().isEmpty())) {
          problems.add(
              ref,
              "spec.tcp",
              "destinationSubnets are not applied to "
                  + service.fqdn()
                  + ", a ServiceEntry host without addresses (its listener is 0.0.0.0): those"
                  + " matches never apply there");
        }
        result.put(
            service.key(),
            result.get(service.key()).withRouting(Optional.of(new Routing(vs.key(), rules, tcp))));
      }
    }
    return result;
  }

  private static List<Routing.HttpRule> resolve(
      VirtualService vs, ObjectRef ref, IstioHosts byHost, ProblemSink problems) {
    List<Routing.HttpRule> rules = new ArrayList<>();
    for (VirtualServiceReader.IndexedRule indexed : vs.rules()) {
      Routing.HttpRule rule = indexed.rule();
      resolve(vs, ref, rule.destinations(), "spec.http[" + indexed.index() + "]", byHost, problems)
          .ifPresent(destinations -> rules.add(rule.withDestinations(destinations)));
    }
    return rules;
  }

  private static List<Routing.TcpRule> resolveTcp(
      VirtualService vs, ObjectRef ref, IstioHosts byHost, ProblemSink problems) {
    List<Routing.TcpRule> rules = new ArrayList<>();
    for (VirtualServiceReader.IndexedTcpRule indexed : vs.tcp()) {
      resolve(
              vs,
              ref,
              indexed.rule().destinations(),
              "spec.tcp[" + indexed.index() + "]",
              byHost,
              problems)
          .ifPresent(d -> rules.add(new Routing.TcpRule(indexed.rule().matches(), d)));
    }
    return rules;
  }

  /** The destinations with their Services' fqdns; empty (and a problem) if one resolves to none. */
  private static Optional<List<Routing.WeightedDestination>> resolve(
      VirtualService vs,
      ObjectRef ref,
      List<Routing.WeightedDestination> written,
      String path,
      IstioHosts byHost,
      ProblemSink problems) {
    List<Routing.WeightedDestination> destinations = new ArrayList<>();
    for (int d = 0; d < written.size(); d++) {
      Routing.WeightedDestination destination = written.get(d);
      String field = path + ".route[" + d + "].destination";
      MeshService target = byHost.find(destination.fqdn(), vs.key().namespace()).orElse(null);
      if (target == null) {
        problems.add(
            ref, field + ".host", destination.fqdn() + " is no Service of the mesh: rule left out");
        return Optional.empty();
      }
      if (destination.subset().isPresent()
          && target.trafficPolicy().stream()
              .flatMap(p -> p.subsets().stream())
              .map(TrafficPolicy.Subset::name)
              .noneMatch(destination.subset().get()::equals)) {
        problems.add(
            ref,
            field + ".subset",
            "no DestinationRule of "
                + target.fqdn()
                + " defines subset "
                + destination.subset().get()
                + ": rule left out");
        return Optional.empty();
      }
      OptionalInt port = destination.port();
      if (port.isEmpty() && target.ports().size() == 1) {
        port = OptionalInt.of(target.ports().get(0).port());
      }
      destinations.add(
          new Routing.WeightedDestination(
              target.fqdn(),
              port,
              destination.subset(),
              destination.weight(),
              destination.headers()));
    }
    return Optional.of(destinations);
  }
}
