package io.telmesh.mesh;

import io.telmesh.model.MeshService;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which Services select which pods, found through a label index instead of testing every Service
 * against every pod of a namespace (a thousand Services by two thousand pods is two million tests
 * on every change otherwise).
 */
final class Selection {

  private static final Comparator<MeshService> OLDEST_FIRST =
      Comparator.comparing(MeshService::created).thenComparing(MeshService::key);

  /** namespace -> "key=value" -> workloads carrying that label. */
  private final Map<String, Map<String, List<Workload>>> workloadsByLabel = new HashMap<>();

  /** namespace -> "key=value" of a Service's first selector entry -> those Services. */
  private final Map<String, Map<String, List<MeshService>>> servicesByFirstSelector =
      new HashMap<>();

  Selection(Collection<MeshService> services, Collection<Workload> workloads) {
    for (Workload workload : workloads) {
      Map<String, List<Workload>> index =
          workloadsByLabel.computeIfAbsent(workload.namespace(), n -> new HashMap<>());
      workload
          .labels()
          .forEach(
              (k, v) -> index.computeIfAbsent(k + "=" + v, l -> new ArrayList<>()).add(workload));
    }
    for (MeshService service : services.stream().sorted(OLDEST_FIRST).toList()) {
      service
          .selector()
          .filter(s -> !s.isEmpty())
          .ifPresent(
              selector -> {
                var first = selector.entrySet().iterator().next();
                servicesByFirstSelector
                    .computeIfAbsent(service.namespace(), n -> new HashMap<>())
                    .computeIfAbsent(
                        first.getKey() + "=" + first.getValue(), l -> new ArrayList<>())
                    .add(service);
              });
    }
  }

  /** The pods a Service selects, in key order. */
  List<Workload> selectedBy(MeshService service) {
    if (service.selector().isEmpty() || service.selector().get().isEmpty()) {
      return List.of();
    }
    var first = service.selector().get().entrySet().iterator().next();
    return workloadsByLabel
        .getOrDefault(service.namespace(), Map.of())
        .getOrDefault(first.getKey() + "=" + first.getValue(), List.of())
        .stream()
        .filter(w -> service.selects(w.labelMap()))
        .sorted(Comparator.comparing(Workload::key))
        .toList();
  }

  /** The Services selecting a pod, oldest first (the order that settles port conflicts). */
  List<MeshService> selecting(Workload workload) {
    Map<String, List<MeshService>> index =
        servicesByFirstSelector.getOrDefault(workload.namespace(), Map.of());
    Set<MeshService> found = new LinkedHashSet<>();
    workload
        .labels()
        .forEach(
            (k, v) ->
                index.getOrDefault(k + "=" + v, List.of()).stream()
                    .filter(s -> s.selects(workload.labelMap()))
                    .forEach(found::add));
    return found.stream().sorted(OLDEST_FIRST).toList();
  }
}
