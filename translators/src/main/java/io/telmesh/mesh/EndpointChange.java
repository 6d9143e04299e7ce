package io.telmesh.mesh;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.telmesh.kube.EndpointSliceReader.Address;
import io.telmesh.kube.EndpointSliceReader.Slice;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.NamespacedName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A view that differs from the last one only in some EndpointSlices' endpoints: every other object
 * is the same instance (informers and the manifest reader hand over the same object until it
 * changes), and each changed slice is in its place in the list (where an informer's store keeps it)
 * and keeps its Service, its kind (ordinary or Multus) and the pods and zones it names. Then only
 * those Services' endpoints can differ. Anything else (a slice added, removed, moved to another
 * Service, unreadable, or a pod's zone changed) is left to a full build.
 */
record EndpointChange(KubeObjects objects, List<Replaced> slices) {

  /** One slice replaced in place; {@code read} is its new reading, which read. */
  record Replaced(
      int index,
      EndpointSlice objectBefore,
      EndpointSlice object,
      Slice before,
      Memo.Result<Optional<Slice>> read) {

    Slice now() {
      return read.value().orElseThrow();
    }
  }

  /** The Services whose endpoints the replaced slices feed. */
  Set<NamespacedName> services() {
    Set<NamespacedName> services = new TreeSet<>();
    slices.forEach(s -> services.add(s.now().service()));
    return services;
  }

  @SuppressWarnings("ReferenceEquality") // an unchanged object is the same instance, by contract
  static Optional<EndpointChange> of(
      EndpointInputs last,
      KubeObjects objects,
      Function<EndpointSlice, Memo.Result<Optional<Slice>>> reader) {
    KubeObjects before = last.objects();
    if (!Memo.sameInstances(before.services(), objects.services())
        || !Memo.sameInstances(before.pods(), objects.pods())
        || !Memo.sameInstances(before.networkAttachments(), objects.networkAttachments())
        || !Memo.sameInstances(before.istioObjects(), objects.istioObjects())
        || !before.sourceProblems().equals(objects.sourceProblems())
        || before.endpointSlices().size() != objects.endpointSlices().size()) {
      return Optional.empty();
    }
    List<Replaced> replaced = new ArrayList<>();
    for (int i = 0; i < objects.endpointSlices().size(); i++) {
      EndpointSlice was = before.endpointSlices().get(i);
      EndpointSlice is = objects.endpointSlices().get(i);
      if (was == is) {
        continue;
      }
      if (was == null || is == null || !sameKey(was.getMetadata(), is.getMetadata())) {
        return Optional.empty(); // slices added, removed or reordered, or not objects at all
      }
      Optional<Slice> old = last.slices().get(i);
      Memo.Result<Optional<Slice>> read = reader.apply(is);
      if (old.isEmpty() || read.value().isEmpty() || !inPlace(old.get(), read.value().get())) {
        return Optional.empty();
      }
      replaced.add(new Replaced(i, was, is, old.get(), read));
    }
    return Optional.of(new EndpointChange(objects, List.copyOf(replaced)));
  }

  /** Same Service, same kind, same pods with the same zones: only addresses or readiness moved. */
  private static boolean inPlace(Slice before, Slice now) {
    return before.service().equals(now.service())
        && before.multusManaged() == now.multusManaged()
        && podZones(before).equals(podZones(now));
  }

  private static List<Map.Entry<NamespacedName, String>> podZones(Slice slice) {
    List<Map.Entry<NamespacedName, String>> zones = new ArrayList<>();
    for (Address address : slice.endpoints()) {
      address.pod().ifPresent(pod -> zones.add(Map.entry(pod, address.zone())));
    }
    return zones;
  }

  private static boolean sameKey(ObjectMeta a, ObjectMeta b) {
    return a != null
        && b != null
        && a.getName() != null
        && Objects.equals(a.getNamespace(), b.getNamespace())
        && a.getName().equals(b.getName());
  }
}
