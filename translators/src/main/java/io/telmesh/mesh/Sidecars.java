package io.telmesh.mesh;

import io.telmesh.kube.ProblemSink;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.SidecarConfig;
import io.telmesh.model.Workload;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reports the Sidecars that never apply because an older one wins, as istiod resolves them (see
 * {@link io.telmesh.scope.SidecarScopes}): a second namespace-wide Sidecar in a namespace, and a
 * selecting Sidecar whose pods an older selecting Sidecar also picks.
 */
final class Sidecars {

  private static final Comparator<SidecarConfig> OLDEST_FIRST =
      Comparator.comparing(SidecarConfig::created).thenComparing(SidecarConfig::key);

  private Sidecars() {}

  static void check(
      SortedMap<NamespacedName, SidecarConfig> sidecars,
      SortedMap<NamespacedName, Workload> workloads,
      ProblemSink problems) {
    if (sidecars.isEmpty()) {
      return;
    }
    Map<String, List<SidecarConfig>> byNamespace = new HashMap<>();
    sidecars.values().stream()
        .sorted(OLDEST_FIRST)
        .forEach(
            s ->
                byNamespace
                    .computeIfAbsent(s.namespace(), n -> new java.util.ArrayList<>())
                    .add(s));
    byNamespace.forEach(
        (namespace, list) -> {
          List<SidecarConfig> wide =
              list.stream().filter(s -> s.workloadSelector().isEmpty()).toList();
          for (SidecarConfig shadowed : wide.subList(Math.min(1, wide.size()), wide.size())) {
            problems.add(
                ref(shadowed),
                "spec.workloadSelector",
                "namespace "
                    + namespace
                    + " already has a Sidecar without workloadSelector ("
                    + wide.get(0).key().name()
                    + ", older): this one applies to no pod");
          }
        });
    Map<NamespacedName, TreeSet<String>> shadowedPods = new TreeMap<>();
    Map<NamespacedName, NamespacedName> winners = new TreeMap<>();
    for (Workload workload : workloads.values()) {
      List<SidecarConfig> selecting =
          byNamespace.getOrDefault(workload.namespace(), List.of()).stream()
              .filter(s -> s.selects(workload.labels()))
              .toList();
      for (SidecarConfig shadowed :
          selecting.subList(Math.min(1, selecting.size()), selecting.size())) {
        shadowedPods.computeIfAbsent(shadowed.key(), k -> new TreeSet<>()).add(workload.name());
        winners.putIfAbsent(shadowed.key(), selecting.get(0).key());
      }
    }
    shadowedPods.forEach(
        (key, pods) ->
            problems.add(
                new ObjectRef("Sidecar", key.namespace(), key.name()),
                "spec.workloadSelector",
                "an older Sidecar ("
                    + winners.get(key).name()
                    + ") also selects "
                    + (pods.size() == 1
                        ? "pod " + pods.first()
                        : pods.size() + " pods, such as " + pods.first())
                    + ": it applies there, not this one"));
  }

  private static ObjectRef ref(SidecarConfig sidecar) {
    return new ObjectRef("Sidecar", sidecar.key().namespace(), sidecar.key().name());
  }
}
