package io.telmesh.mesh;

import io.telmesh.kube.Annotations;
import io.telmesh.kube.EndpointSliceReader.Address;
import io.telmesh.kube.EndpointSliceReader.Port;
import io.telmesh.kube.EndpointSliceReader.Slice;
import io.telmesh.kube.ProblemSink;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.Locality;
import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.PodInterface;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.ServicePort;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

/**
 * Endpoints of every Service port. Cluster-network Services take their EndpointSlices. A Service on
 * a secondary network takes the slices the multus endpointslice controller wrote for it, and
 * otherwise the selected pods' addresses on that network; the two are never mixed.
 */
final class EndpointResolver {

  private EndpointResolver() {}

  /**
   * One Service's endpoints, from its slices or, failing those, from the pods it selects.
   *
   * @param localities where each pod runs (see {@link PodLocalities})
   */
  static Memo.Result<Map<Integer, List<ServiceEndpoint>>> resolve(
      MeshService service,
      List<Slice> own,
      List<Slice> secondary,
      List<Workload> selected,
      PodLocalities localities) {
    ProblemSink problems = new ProblemSink();
    Map<Integer, List<ServiceEndpoint>> perPort = new TreeMap<>();
    if (service.serviceNetwork().isPresent()) {
      NamespacedName network = service.serviceNetwork().get();
      if (!secondary.isEmpty()) {
        service
            .ports()
            .forEach(p -> perPort.put(p.port(), fromSlices(service, p, secondary, localities)));
      } else {
        reportPodsWithoutNetwork(service, network, selected, problems);
        Map<NamespacedName, Boolean> eth0Readiness = readinessByPod(own);
        service
            .ports()
            .forEach(
                p ->
                    perPort.put(
                        p.port(),
                        fromPods(
                            p,
                            selected,
                            w ->
                                w.interfacesOn(network).stream()
                                    .flatMap(i -> i.ips().stream())
                                    .toList(),
                            eth0Readiness,
                            localities)));
      }
    } else if (!own.isEmpty()) {
      service.ports().forEach(p -> perPort.put(p.port(), fromSlices(service, p, own, localities)));
    } else if (service.selector().isPresent()) {
      // No slices yet (or a manifest set without them): what the endpoints controller would write.
      service
          .ports()
          .forEach(
              p ->
                  perPort.put(
                      p.port(),
                      fromPods(
                          p,
                          selected,
                          w -> w.defaultInterface().map(PodInterface::ips).orElse(List.of()),
                          Map.of(),
                          localities)));
    }
    return new Memo.Result<>(Map.copyOf(perPort), problems.problems());
  }

  /** The pods whose locality {@link #resolve} may read: those named by the slices and selected. */
  static Set<NamespacedName> podsOf(
      List<Slice> own, List<Slice> secondary, List<Workload> selected) {
    Set<NamespacedName> pods = new HashSet<>();
    for (List<Slice> slices : List.of(own, secondary)) {
      for (Slice slice : slices) {
        slice.endpoints().forEach(a -> a.pod().ifPresent(pods::add));
      }
    }
    selected.forEach(w -> pods.add(w.key()));
    return pods;
  }

  private static List<ServiceEndpoint> fromSlices(
      MeshService service, ServicePort port, List<Slice> slices, PodLocalities localities) {
    Map<String, ServiceEndpoint> unique = new LinkedHashMap<>();
    for (Slice slice : slices) {
      Optional<Port> slicePort =
          slice.ports().stream()
              .filter(p -> p.transport() == L4Protocol.TCP)
              .filter(
                  p ->
                      p.name().equals(port.name())
                          || (p.name().isEmpty() && service.ports().size() == 1))
              .findFirst();
      if (slicePort.isEmpty()) {
        continue;
      }
      for (Address address : slice.endpoints()) {
        for (IpAddress ip : address.addresses()) {
          ServiceEndpoint endpoint =
              new ServiceEndpoint(
                  ip,
                  slicePort.get().port(),
                  address.ready(),
                  address.pod(),
                  localities.of(address.pod(), address.zone()));
          unique.merge(ip + ":" + endpoint.port(), endpoint, (a, b) -> a.ready() ? a : b);
        }
      }
    }
    return unique.values().stream().sorted().toList();
  }

  private static List<ServiceEndpoint> fromPods(
      ServicePort port,
      List<Workload> selected,
      java.util.function.Function<Workload, List<IpAddress>> addresses,
      Map<NamespacedName, Boolean> eth0Readiness,
      PodLocalities localities) {
    List<ServiceEndpoint> endpoints = new ArrayList<>();
    for (Workload workload : selected) {
      OptionalInt target = TargetPorts.resolve(port.targetPort(), workload, port.transport());
      if (target.isEmpty()) {
        continue;
      }
      boolean ready = eth0Readiness.getOrDefault(workload.key(), workload.ready());
      Optional<NamespacedName> pod = Optional.of(workload.key());
      Locality locality = localities.of(pod, "");
      for (IpAddress ip : addresses.apply(workload)) {
        endpoints.add(new ServiceEndpoint(ip, target.getAsInt(), ready, pod, locality));
      }
    }
    return endpoints.stream().sorted().distinct().toList();
  }

  /** A pod's readiness as its eth0 endpoint in the Service's ordinary slices reports it. */
  private static Map<NamespacedName, Boolean> readinessByPod(List<Slice> slices) {
    Map<NamespacedName, Boolean> readiness = new HashMap<>();
    for (Slice slice : slices) {
      for (Address address : slice.endpoints()) {
        address.pod().ifPresent(pod -> readiness.merge(pod, address.ready(), Boolean::logicalOr));
      }
    }
    return readiness;
  }

  private static void reportPodsWithoutNetwork(
      MeshService service, NamespacedName network, List<Workload> selected, ProblemSink problems) {
    for (Workload workload : selected) {
      if (workload.interfacesOn(network).isEmpty()) {
        problems.add(
            ObjectRef.service(service.key()),
            Annotations.field(Annotations.SERVICE_NETWORK),
            "selected pod "
                + workload.key()
                + " has no interface on "
                + network
                + "; it is not an endpoint");
      }
    }
  }
}
