package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.telmesh.model.Problem;
import java.util.List;

/**
 * The raw Kubernetes objects one mesh state is built from, as a source saw them. {@code
 * sourceProblems} are problems found before the objects were even parsed (a broken manifest file).
 * {@code istioObjects} are Istio's ({@code networking.istio.io}: DestinationRules, Sidecars and
 * VirtualServices), as generic resources.
 */
public record KubeObjects(
    List<Service> services,
    List<EndpointSlice> endpointSlices,
    List<Pod> pods,
    List<GenericKubernetesResource> networkAttachments,
    List<Problem> sourceProblems,
    List<GenericKubernetesResource> istioObjects) {

  /** Without Istio's API objects. */
  public KubeObjects(
      List<Service> services,
      List<EndpointSlice> endpointSlices,
      List<Pod> pods,
      List<GenericKubernetesResource> networkAttachments,
      List<Problem> sourceProblems) {
    this(services, endpointSlices, pods, networkAttachments, sourceProblems, List.of());
  }

  public KubeObjects withIstioObjects(List<GenericKubernetesResource> rules) {
    return new KubeObjects(
        services, endpointSlices, pods, networkAttachments, sourceProblems, rules);
  }

  public static final String NAD_API_VERSION = "k8s.cni.cncf.io/v1";
  public static final String NAD_KIND = "NetworkAttachmentDefinition";

  public KubeObjects {
    services = List.copyOf(services);
    endpointSlices = List.copyOf(endpointSlices);
    pods = List.copyOf(pods);
    networkAttachments = List.copyOf(networkAttachments);
    sourceProblems = List.copyOf(sourceProblems);
    istioObjects = List.copyOf(istioObjects);
  }

  public static KubeObjects empty() {
    return new KubeObjects(List.of(), List.of(), List.of(), List.of(), List.of());
  }
}
