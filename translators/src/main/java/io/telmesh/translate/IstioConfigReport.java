package io.telmesh.translate;

import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import io.telmesh.model.SidecarConfig;
import io.telmesh.model.Workload;
import io.telmesh.scope.EgressScope;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which Istio objects shape one sidecar's config, and what was refused in them: what {@code
 * proxy-config --istio} prints.
 *
 * @param applied each object that applies to the sidecar, with what it does there
 * @param problems the problems found in those objects, and in the Istio objects that apply to no
 *     one (ignored, or refused whole)
 */
public record IstioConfigReport(SortedMap<ObjectRef, String> applied, List<Problem> problems) {

  static final Set<String> KINDS =
      Set.of("Sidecar", "DestinationRule", "VirtualService", "ServiceEntry");

  static final java.util.Comparator<ObjectRef> ORDER =
      java.util.Comparator.comparing(ObjectRef::kind)
          .thenComparing(ObjectRef::namespace)
          .thenComparing(ObjectRef::name);

  public IstioConfigReport {
    SortedMap<ObjectRef, String> copy = new TreeMap<>(ORDER);
    copy.putAll(applied);
    applied = java.util.Collections.unmodifiableSortedMap(copy);
    problems = List.copyOf(problems);
  }

  static IstioConfigReport of(
      Workload workload,
      java.util.Optional<SidecarConfig> sidecar,
      EgressScope scope,
      Iterable<MeshService> services,
      java.util.function.Predicate<ObjectRef> exported,
      List<Problem> meshProblems) {
    SortedMap<ObjectRef, String> applied = new TreeMap<>(ORDER);
    sidecar.ifPresent(
        s ->
            applied.put(
                ref("Sidecar", s.key()),
                s.workloadSelector().isPresent()
                    ? "selects this pod: egress " + s.egress().size() + " listener(s)"
                    : (s.namespace().equals(workload.namespace())
                            ? "the namespace's default"
                            : "the root namespace's default")
                        + ": egress "
                        + s.egress().size()
                        + " listener(s)"));
    for (MeshService service : services) {
      boolean visible = service.ports().stream().anyMatch(p -> scope.imports(service, p.port()));
      if (!visible) {
        continue;
      }
      if (!exported.test(service.ref())) {
        continue;
      }
      service
          .external()
          .ifPresent(
              e -> applied.merge(e.ref(), "serves host " + e.host(), (a, b) -> a + "; " + b));
      service
          .trafficPolicy()
          .filter(p -> exported.test(ref("DestinationRule", p.rule())))
          .ifPresent(
              p ->
                  applied.merge(
                      ref("DestinationRule", p.rule()),
                      "traffic policy of " + service.fqdn(),
                      (a, b) -> a + "; " + b));
      service
          .routing()
          .filter(r -> exported.test(ref("VirtualService", r.rule())))
          .ifPresent(
              r ->
                  applied.merge(
                      ref("VirtualService", r.rule()),
                      "routes of " + service.fqdn(),
                      (a, b) -> a + "; " + b));
    }
    List<Problem> problems =
        meshProblems.stream()
            .filter(p -> KINDS.contains(p.kind()))
            .filter(
                p ->
                    applied.containsKey(new ObjectRef(p.kind(), p.namespace(), p.name()))
                        || !appliesAnywhere(p, services))
            .toList();
    return new IstioConfigReport(applied, problems);
  }

  /** Whether the object a problem names applies to some Service (or is a Sidecar). */
  private static boolean appliesAnywhere(Problem problem, Iterable<MeshService> services) {
    if (problem.kind().equals("Sidecar")) {
      return true;
    }
    NamespacedName key = new NamespacedName(problem.namespace(), problem.name());
    for (MeshService service : services) {
      if (service.trafficPolicy().map(p -> p.rule().equals(key)).orElse(false)
          || service.routing().map(r -> r.rule().equals(key)).orElse(false)
          || service.external().map(e -> e.serviceEntry().equals(key)).orElse(false)) {
        return true;
      }
    }
    return false;
  }

  private static ObjectRef ref(String kind, NamespacedName key) {
    return new ObjectRef(kind, key.namespace(), key.name());
  }
}
