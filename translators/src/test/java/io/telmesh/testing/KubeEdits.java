package io.telmesh.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.kube.KubeObjects;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Edits of a set of Kubernetes objects, as the API server would hand them over after a change:
 * edited objects are new instances, the others the same instances.
 */
public final class KubeEdits {

  private KubeEdits() {}

  public static KubeObjects withService(KubeObjects objects, Service service) {
    List<Service> services = replaced(objects.services(), service);
    return new KubeObjects(
        services,
        objects.endpointSlices(),
        objects.pods(),
        objects.networkAttachments(),
        objects.sourceProblems(),
        objects.istioObjects());
  }

  public static KubeObjects withoutService(KubeObjects objects, String namespace, String name) {
    List<Service> services = new ArrayList<>(objects.services());
    if (!services.removeIf(s -> named(s, namespace, name))) {
      throw new IllegalArgumentException("no Service " + namespace + "/" + name);
    }
    return new KubeObjects(
        services,
        objects.endpointSlices(),
        objects.pods(),
        objects.networkAttachments(),
        objects.sourceProblems(),
        objects.istioObjects());
  }

  public static KubeObjects editService(
      KubeObjects objects, String namespace, String name, UnaryOperator<ServiceBuilder> edit) {
    return withService(
        objects, edit.apply(new ServiceBuilder(find(objects.services(), namespace, name))).build());
  }

  public static KubeObjects withPod(KubeObjects objects, Pod pod) {
    return new KubeObjects(
        objects.services(),
        objects.endpointSlices(),
        replaced(objects.pods(), pod),
        objects.networkAttachments(),
        objects.sourceProblems(),
        objects.istioObjects());
  }

  public static KubeObjects editPod(
      KubeObjects objects, String namespace, String name, UnaryOperator<PodBuilder> edit) {
    return withPod(
        objects, edit.apply(new PodBuilder(find(objects.pods(), namespace, name))).build());
  }

  public static KubeObjects editSlice(
      KubeObjects objects,
      String namespace,
      String name,
      UnaryOperator<EndpointSliceBuilder> edit) {
    EndpointSlice slice =
        edit.apply(new EndpointSliceBuilder(find(objects.endpointSlices(), namespace, name)))
            .build();
    return new KubeObjects(
        objects.services(),
        replaced(objects.endpointSlices(), slice),
        objects.pods(),
        objects.networkAttachments(),
        objects.sourceProblems(),
        objects.istioObjects());
  }

  public static KubeObjects withNetwork(KubeObjects objects, GenericKubernetesResource network) {
    return new KubeObjects(
        objects.services(),
        objects.endpointSlices(),
        objects.pods(),
        replaced(objects.networkAttachments(), network),
        objects.sourceProblems(),
        objects.istioObjects());
  }

  /**
   * Every object re-issued with a new {@code resourceVersion}, {@code generation} and an extra
   * annotation, and every pod with an extra label no selector uses: what a rollout of unrelated
   * metadata, or a controller touching objects, looks like to telmesh.
   */
  public static KubeObjects bumped(KubeObjects objects, String revision) {
    return new KubeObjects(
        map(
            objects.services(),
            s -> new ServiceBuilder(s).withMetadata(bump(s.getMetadata(), revision)).build()),
        map(
            objects.endpointSlices(),
            s -> new EndpointSliceBuilder(s).withMetadata(bump(s.getMetadata(), revision)).build()),
        map(
            objects.pods(),
            p ->
                new PodBuilder(p)
                    .withMetadata(
                        new ObjectMetaBuilder(bump(p.getMetadata(), revision))
                            .addToLabels("telmesh.test/revision", revision)
                            .build())
                    .build()),
        map(
            objects.networkAttachments(),
            n ->
                new GenericKubernetesResourceBuilder(n)
                    .withMetadata(bump(n.getMetadata(), revision))
                    .build()),
        objects.sourceProblems(),
        objects.istioObjects());
  }

  /** A Service with a cluster IP, selecting {@code app: <selector>} (none when null). */
  public static Service service(
      String namespace, String name, String clusterIp, String selector, ServicePort... ports) {
    ServiceBuilder service =
        new ServiceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withCreationTimestamp("2026-12-01T00:00:00Z")
            .endMetadata()
            .withNewSpec()
            .withClusterIP(clusterIp)
            .withPorts(ports)
            .endSpec();
    if (selector != null) {
      service.editSpec().withSelector(Map.of("app", selector)).endSpec();
    }
    return service.build();
  }

  /** A TCP Service port; an empty name leaves it unnamed (sniffed, unless well known). */
  public static ServicePort port(String name, int port) {
    ServicePortBuilder builder = new ServicePortBuilder().withPort(port).withProtocol("TCP");
    if (!name.isEmpty()) {
      builder.withName(name);
    }
    return builder.build();
  }

  public static GenericKubernetesResource network(String namespace, String name, String range) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(KubeObjects.NAD_API_VERSION)
        .withKind(KubeObjects.NAD_KIND)
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .addToAdditionalProperties(
            "spec",
            Map.of(
                "config",
                "{\"cniVersion\":\"0.3.1\",\"type\":\"macvlan\",\"ipam\":{\"type\":\"whereabouts\",\"range\":\""
                    + range
                    + "\"}}"))
        .build();
  }

  private static ObjectMeta bump(ObjectMeta meta, String revision) {
    return new ObjectMetaBuilder(meta)
        .withResourceVersion(revision)
        .withGeneration(Long.parseLong(revision))
        .addToAnnotations("telmesh.test/touched", revision)
        .build();
  }

  private static boolean named(HasMetadata object, String namespace, String name) {
    return object.getMetadata().getName().equals(name)
        && namespace.equals(object.getMetadata().getNamespace());
  }

  private static <T extends HasMetadata> T find(List<T> objects, String namespace, String name) {
    return objects.stream()
        .filter(o -> named(o, namespace, name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no object " + namespace + "/" + name));
  }

  /** The object in place of its namesake (where an informer's store keeps it), else appended. */
  private static <T extends HasMetadata> List<T> replaced(List<T> objects, T object) {
    List<T> result = new ArrayList<>(objects);
    for (int i = 0; i < result.size(); i++) {
      if (named(
          result.get(i), object.getMetadata().getNamespace(), object.getMetadata().getName())) {
        result.set(i, object);
        return result;
      }
    }
    result.add(object);
    return result;
  }

  private static <T> List<T> map(List<T> objects, Function<T, T> edit) {
    return objects.stream().map(edit).toList();
  }
}
