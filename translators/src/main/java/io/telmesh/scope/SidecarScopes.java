package io.telmesh.scope;

import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.SidecarConfig;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Picks the Sidecar that applies to a pod as istiod does: a Sidecar of the pod's namespace whose
 * selector picks the pod, else the namespace's Sidecar without a selector, else the root
 * namespace's Sidecar without a selector; among several, the oldest (the others are reported when
 * the mesh state is built). Immutable once built.
 */
public final class SidecarScopes {

  private static final Comparator<SidecarConfig> OLDEST_FIRST =
      Comparator.comparing(SidecarConfig::created).thenComparing(SidecarConfig::key);

  private final Map<String, List<SidecarConfig>> byNamespace;
  private final String rootNamespace;
  private final OutboundTrafficPolicy meshPolicy;
  private final EgressScope everything;
  private final boolean perNamespace;
  private final java.util.Set<String> sourceLabelKeys;

  /**
   * @param perNamespace whether what a client sees depends on its namespace even without a Sidecar
   *     (some Istio object is exported to some namespaces only)
   */
  public SidecarScopes(
      Iterable<SidecarConfig> sidecars,
      String rootNamespace,
      OutboundTrafficPolicy meshPolicy,
      boolean perNamespace,
      java.util.Set<String> sourceLabelKeys) {
    Map<String, List<SidecarConfig>> index = new HashMap<>();
    for (SidecarConfig sidecar : sidecars) {
      index.computeIfAbsent(sidecar.namespace(), n -> new ArrayList<>()).add(sidecar);
    }
    index.values().forEach(list -> list.sort(OLDEST_FIRST));
    index.replaceAll((namespace, list) -> List.copyOf(list));
    this.byNamespace = Map.copyOf(index);
    this.rootNamespace = rootNamespace;
    this.meshPolicy = meshPolicy;
    this.everything = EgressScope.everything(meshPolicy);
    this.perNamespace = perNamespace;
    this.sourceLabelKeys = java.util.Set.copyOf(sourceLabelKeys);
  }

  /** The Sidecar applying to this pod, if any. */
  public Optional<SidecarConfig> sidecarFor(Workload workload) {
    List<SidecarConfig> own = byNamespace.getOrDefault(workload.namespace(), List.of());
    Optional<SidecarConfig> chosen =
        own.stream().filter(s -> s.selects(workload.labels())).findFirst();
    if (chosen.isEmpty()) {
      chosen = own.stream().filter(s -> s.workloadSelector().isEmpty()).findFirst();
    }
    if (chosen.isEmpty()) {
      chosen =
          byNamespace.getOrDefault(rootNamespace, List.of()).stream()
              .filter(s -> s.workloadSelector().isEmpty())
              .findFirst();
    }
    return chosen;
  }

  /** What this pod's sidecar sees. */
  public EgressScope scopeFor(Workload workload) {
    java.util.SortedMap<String, String> labels = new java.util.TreeMap<>();
    sourceLabelKeys.forEach(
        k -> {
          if (workload.labels().containsKey(k)) {
            labels.put(k, workload.labels().get(k));
          }
        });
    return sidecarFor(workload)
        .map(
            s ->
                new EgressScope(
                    Optional.of(s.key()),
                    Optional.of(workload.namespace()),
                    s.egress(),
                    s.outboundTrafficPolicy().orElse(meshPolicy),
                    labels))
        .orElseGet(
            () ->
                perNamespace || !sourceLabelKeys.isEmpty()
                    ? new EgressScope(
                        Optional.empty(),
                        Optional.of(workload.namespace()),
                        List.of(),
                        meshPolicy,
                        labels)
                    : everything);
  }

  /** The scope of a proxy whose pod is unknown: no Sidecar can be chosen for it. */
  public EgressScope unscoped() {
    return everything;
  }
}
