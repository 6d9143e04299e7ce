package io.telmesh.testing;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.kube.KubeObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Small edits of a set of objects, as a Kubernetes change would make them. */
public final class Objects {

  private Objects() {}

  public static KubeObjects withSlice(
      KubeObjects objects, String name, UnaryOperator<EndpointSliceBuilder> edit) {
    List<EndpointSlice> slices = new ArrayList<>();
    for (EndpointSlice slice : objects.endpointSlices()) {
      slices.add(
          slice.getMetadata().getName().equals(name)
              ? edit.apply(new EndpointSliceBuilder(slice)).build()
              : slice);
    }
    return new KubeObjects(
        objects.services(), slices, objects.pods(), objects.networkAttachments(), List.of());
  }

  /** The slice's first endpoint turned not ready: the endpoint-only change tests make. */
  public static KubeObjects firstEndpointNotReady(KubeObjects objects, String slice) {
    return withSlice(
        objects,
        slice,
        b ->
            b.editFirstEndpoint()
                .withNewConditions()
                .withReady(false)
                .endConditions()
                .endEndpoint());
  }

  public static KubeObjects withService(KubeObjects objects, Service service) {
    List<Service> services = new ArrayList<>(objects.services());
    services.removeIf(
        s ->
            s.getMetadata().getName().equals(service.getMetadata().getName())
                && s.getMetadata().getNamespace().equals(service.getMetadata().getNamespace()));
    services.add(service);
    return new KubeObjects(
        services,
        objects.endpointSlices(),
        objects.pods(),
        objects.networkAttachments(),
        List.of());
  }

  public static KubeObjects withoutPod(KubeObjects objects, String name) {
    List<Pod> pods = new ArrayList<>(objects.pods());
    pods.removeIf(p -> p.getMetadata().getName().equals(name));
    return new KubeObjects(
        objects.services(),
        objects.endpointSlices(),
        pods,
        objects.networkAttachments(),
        List.of());
  }

  public static KubeObjects withPod(KubeObjects objects, Pod pod) {
    List<Pod> pods = new ArrayList<>(objects.pods());
    pods.removeIf(
        p ->
            p.getMetadata().getName().equals(pod.getMetadata().getName())
                && p.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace()));
    pods.add(pod);
    return new KubeObjects(
        objects.services(),
        objects.endpointSlices(),
        pods,
        objects.networkAttachments(),
        List.of());
  }
}
