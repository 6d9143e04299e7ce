package io.telmesh.model;

import com.google.common.collect.ImmutableSortedMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One immutable view of the whole mesh. Each source change yields a new one; the translator is a
 * pure function of it and a proxy's identity.
 *
 * @param endpoints per Service, per Service port number: its backends (TCP ports only)
 * @param workloadPorts per workload: the inbound ports resolved from the Services selecting it
 * @param sidecars Istio's Sidecars as read, by namespace and name
 * @param exports the export lists of the Istio objects that are not visible everywhere
 * @param problems everything that was skipped or corrected while building this state, sorted
 */
public record MeshState(
    SortedMap<NamespacedName, Workload> workloads,
    SortedMap<NamespacedName, MeshService> services,
    Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints,
    SortedMap<NamespacedName, NetworkAttachment> networks,
    Map<NamespacedName, WorkloadPorts> workloadPorts,
    SortedMap<NamespacedName, SidecarConfig> sidecars,
    Map<ObjectRef, ExportTo> exports,
    List<Problem> problems) {

  public static final MeshState EMPTY =
      new MeshState(
          new TreeMap<>(), new TreeMap<>(), Map.of(), new TreeMap<>(), Map.of(), List.of());

  /** A state without Sidecars. */
  public MeshState(
      SortedMap<NamespacedName, Workload> workloads,
      SortedMap<NamespacedName, MeshService> services,
      Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints,
      SortedMap<NamespacedName, NetworkAttachment> networks,
      Map<NamespacedName, WorkloadPorts> workloadPorts,
      List<Problem> problems) {
    this(
        workloads,
        services,
        endpoints,
        networks,
        workloadPorts,
        new TreeMap<>(),
        Map.of(),
        problems);
  }

  // Immutable copies that are not copied again: a state derived from another (an endpoint change,
  // withEndpoints) shares every map it does not replace.
  public MeshState {
    workloads = ImmutableSortedMap.copyOfSorted(workloads);
    services = ImmutableSortedMap.copyOfSorted(services);
    endpoints = Map.copyOf(endpoints);
    networks = ImmutableSortedMap.copyOfSorted(networks);
    workloadPorts = Map.copyOf(workloadPorts);
    sidecars = ImmutableSortedMap.copyOfSorted(sidecars);
    exports = Map.copyOf(exports);
    problems = problems.stream().sorted().distinct().toList();
  }

  /** This state with other endpoints and problems (an endpoint change: nothing else moved). */
  public MeshState withEndpoints(
      Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints, List<Problem> problems) {
    return new MeshState(
        workloads, services, endpoints, networks, workloadPorts, sidecars, exports, problems);
  }

  /** Whether an Istio object applies to clients in {@code namespace}. */
  public boolean exportedTo(ObjectRef object, String namespace) {
    ExportTo export = exports.get(object);
    return export == null || export.visibleTo(namespace, object.namespace());
  }

  public Optional<Workload> workload(NamespacedName key) {
    return Optional.ofNullable(workloads.get(key));
  }

  public WorkloadPorts portsOf(NamespacedName workload) {
    return workloadPorts.getOrDefault(workload, WorkloadPorts.EMPTY);
  }

  /** Backends of one Service port; empty when none are known. */
  public List<ServiceEndpoint> endpointsOf(NamespacedName service, int port) {
    return endpoints.getOrDefault(service, Map.of()).getOrDefault(port, List.of());
  }
}
