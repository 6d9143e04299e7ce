package io.telmesh.mesh;

import io.telmesh.kube.EndpointSliceReader.Address;
import io.telmesh.kube.EndpointSliceReader.Slice;
import io.telmesh.model.Locality;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where each pod runs, as Istio decides it: the pod's locality label ({@code
 * topology.istio.io/locality}, else {@code istio-locality}) wins; otherwise the zone of the
 * endpoint entry at hand; otherwise the zone the pod's eth0 endpoints carry in the mesh's ordinary
 * EndpointSlices. The last step gives an endpoint on a secondary network (whose slice, or whose
 * pod-derived entry, has no zone) its pod's zone.
 */
final class PodLocalities {

  /** Stands for a pod the mesh does not know, in memo inputs. */
  private static final Object ABSENT = new Object();

  private final Map<NamespacedName, Workload> workloads;

  /** pod -> the ordinary slices holding an endpoint of it, in the order they were given. */
  private final Map<NamespacedName, List<Slice>> slicesByPod;

  /** pod -> the smallest non-empty zone its ordinary endpoints carry (order-independent). */
  private final Map<NamespacedName, String> zoneByPod;

  /** pod -> its slices since endpoint changes replaced some of them; wins over slicesByPod. */
  private final Map<NamespacedName, List<Slice>> replacedSlices;

  private PodLocalities(
      Map<NamespacedName, Workload> workloads,
      Map<NamespacedName, List<Slice>> slicesByPod,
      Map<NamespacedName, List<Slice>> replacedSlices,
      Map<NamespacedName, String> zoneByPod) {
    this.workloads = workloads;
    this.slicesByPod = slicesByPod;
    this.replacedSlices = replacedSlices;
    this.zoneByPod = zoneByPod;
  }

  /**
   * The same localities with slices replaced by new readings that name the same pods with the same
   * zones (an endpoint change, {@link EndpointChange}): only the memo inputs change.
   */
  @SuppressWarnings("ReferenceEquality") // slices are memo inputs: their identity is the point
  PodLocalities withSlicesReplaced(IdentityHashMap<Slice, Slice> replaced) {
    // Only the pods of the replaced slices get new lists; the rest of the map is shared, as a
    // layer under them, so an endpoint change costs its own pods, not the mesh's.
    Map<NamespacedName, List<Slice>> changed = new HashMap<>(replacedSlices);
    for (Map.Entry<Slice, Slice> replacement : replaced.entrySet()) {
      for (Address address : replacement.getKey().endpoints()) {
        if (address.pod().isEmpty()) {
          continue;
        }
        NamespacedName pod = address.pod().get();
        List<Slice> slices = changed.getOrDefault(pod, slicesByPod.getOrDefault(pod, List.of()));
        if (!slices.isEmpty()) {
          changed.put(
              pod,
              slices.stream()
                  .map(s -> s == replacement.getKey() ? replacement.getValue() : s)
                  .toList());
        }
      }
    }
    return new PodLocalities(workloads, slicesByPod, changed, zoneByPod);
  }

  private List<Slice> slicesOf(NamespacedName pod) {
    List<Slice> replacedOnes = replacedSlices.get(pod);
    return replacedOnes != null ? replacedOnes : slicesByPod.getOrDefault(pod, List.of());
  }

  /**
   * @param ordinary the mesh's EndpointSlices written for the cluster network (never the multus
   *     ones: a secondary network has no zone of its own)
   */
  PodLocalities(Map<NamespacedName, Workload> workloads, Collection<Slice> ordinary) {
    this(workloads, new HashMap<>(), Map.of(), new HashMap<>());
    for (Slice slice : ordinary) {
      Set<NamespacedName> pods = new HashSet<>();
      for (Address address : slice.endpoints()) {
        if (address.pod().isEmpty()) {
          continue;
        }
        NamespacedName pod = address.pod().get();
        if (pods.add(pod)) {
          slicesByPod.computeIfAbsent(pod, p -> new ArrayList<>()).add(slice);
        }
        if (!address.zone().isEmpty()) {
          zoneByPod.merge(pod, address.zone(), (a, b) -> a.compareTo(b) <= 0 ? a : b);
        }
      }
    }
  }

  /**
   * The locality of an endpoint.
   *
   * @param pod the pod behind it, when known
   * @param entryZone the zone its own EndpointSlice entry carries, empty when none
   */
  Locality of(Optional<NamespacedName> pod, String entryZone) {
    Optional<Locality> labelled =
        pod.map(workloads::get).flatMap(w -> Locality.fromLabels(w.labels()));
    if (labelled.isPresent()) {
      return labelled.get();
    }
    if (!entryZone.isEmpty()) {
      return Locality.ofZone(entryZone);
    }
    return pod.map(zoneByPod::get).map(Locality::ofZone).orElse(Locality.UNKNOWN);
  }

  /**
   * Everything {@link #of} reads for these pods (their Workload objects and the ordinary slices
   * naming them), in a stable order: the inputs a memoised join depends on, beyond its own.
   */
  List<Object> inputsFor(Set<NamespacedName> pods) {
    List<Object> inputs = new ArrayList<>();
    IdentityHashMap<Slice, Boolean> seen = new IdentityHashMap<>();
    for (NamespacedName pod : new TreeSet<>(pods)) {
      Workload workload = workloads.get(pod);
      inputs.add(workload == null ? ABSENT : workload);
      for (Slice slice : slicesOf(pod)) {
        if (seen.put(slice, Boolean.TRUE) == null) {
          inputs.add(slice);
        }
      }
    }
    return inputs;
  }
}
