package io.telmesh.mesh;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.telmesh.kube.Annotations;
import io.telmesh.kube.EndpointSliceReader;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.NetworkAttachmentReader;
import io.telmesh.kube.PodReader;
import io.telmesh.kube.ProblemSink;
import io.telmesh.kube.ServiceReader;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkAttachment;
import io.telmesh.model.NetworkSelection;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Kubernetes objects to a {@link MeshState}; never throws because of one object. */
public final class MeshStateBuilder {

  private MeshStateBuilder() {}

  public static MeshState build(KubeObjects objects) {
    ProblemSink problems = new ProblemSink();
    objects.sourceProblems().forEach(problems::add);

    SortedMap<NamespacedName, NetworkAttachment> networks = readAll(objects.networkAttachments(),
        NetworkAttachmentReader::read, NetworkAttachment::key, "NetworkAttachmentDefinition", problems);
    SortedMap<NamespacedName, Workload> workloads =
        readAll(objects.pods(), PodReader::read, Workload::key, "Pod", problems);
    SortedMap<NamespacedName, MeshService> services =
        readAll(objects.services(), ServiceReader::read, MeshService::key, "Service", problems);
    List<EndpointSliceReader.Slice> slices = new ArrayList<>();
    for (EndpointSlice slice : objects.endpointSlices()) {
      EndpointSliceReader.read(slice, problems).ifPresent(slices::add);
    }

    checkNetworkReferences(workloads, services, networks, problems);
    var endpoints = EndpointResolver.resolve(services, slices, workloads, problems);
    var workloadPorts = InboundPortResolver.resolve(services, workloads, problems);
    return new MeshState(workloads, services, endpoints, networks, workloadPorts, problems.problems());
  }

  /** Reads objects of one kind; a second object with the same key is a problem and is dropped. */
  private static <I, O> SortedMap<NamespacedName, O> readAll(List<I> inputs,
      BiFunction<I, ProblemSink, Optional<O>> reader, Function<O, NamespacedName> key, String kind,
      ProblemSink problems) {
    SortedMap<NamespacedName, O> result = new TreeMap<>();
    for (I input : inputs) {
      try {
        reader.apply(input, problems).ifPresent(value -> {
          NamespacedName k = key.apply(value);
          if (result.putIfAbsent(k, value) != null) {
            problems.add(new ObjectRef(kind, k.namespace(), k.name()), "metadata.name",
                "defined twice; the first definition is used");
          }
        });
      } catch (RuntimeException e) {
        // A reader bug must not take the mesh down: the object is skipped and named.
        problems.add(new ObjectRef(kind, "", String.valueOf(input.getClass().getSimpleName())), "",
            "could not be read: " + e);
      }
    }
    return result;
  }

  private static void checkNetworkReferences(SortedMap<NamespacedName, Workload> workloads,
      SortedMap<NamespacedName, MeshService> services, SortedMap<NamespacedName, NetworkAttachment> networks,
      ProblemSink problems) {
    for (Workload workload : workloads.values()) {
      ObjectRef pod = ObjectRef.pod(workload.key());
      for (NetworkSelection selection : workload.requestedNetworks()) {
        if (!networks.containsKey(selection.attachment())) {
          problems.add(pod, io.telmesh.kube.Annotations.field(Annotations.NETWORKS),
              "NetworkAttachmentDefinition " + selection.attachment() + " not found");
        }
      }
      for (PodInterface iface : workload.interfaces()) {
        if (!iface.isDefault()) {
          NamespacedName.parse(iface.network()).filter(n -> !networks.containsKey(n)).ifPresent(n ->
              problems.add(pod, Annotations.field(Annotations.NETWORK_STATUS), "interface " + iface.name()
                  + " is on NetworkAttachmentDefinition " + n + ", which is not known"));
        }
      }
    }
    for (MeshService service : services.values()) {
      service.serviceNetwork().filter(n -> !networks.containsKey(n)).ifPresent(n ->
          problems.add(ObjectRef.service(service.key()), Annotations.field(Annotations.SERVICE_NETWORK),
              "NetworkAttachmentDefinition " + n + " not found; endpoints still come from the pods' network-status"));
    }
  }

  /** Convenience for callers holding typed lists. */
  public static MeshState build(List<Service> services, List<EndpointSlice> slices, List<Pod> pods,
      List<GenericKubernetesResource> networks) {
    return build(new KubeObjects(services, slices, pods, networks, List.of()));
  }
}
