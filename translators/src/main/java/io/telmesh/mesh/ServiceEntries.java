package io.telmesh.mesh;

import io.telmesh.kube.ProblemSink;
import io.telmesh.kube.ServiceEntryReader.Endpoint;
import io.telmesh.kube.ServiceEntryReader.ServiceEntry;
import io.telmesh.model.ExternalHost;
import io.telmesh.model.ExternalHost.Resolution;
import io.telmesh.model.IpAddress;
import io.telmesh.model.LabelSelector;
import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.ServicePort;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns each ServiceEntry host into a mesh Service (keyed by the entry's namespace and the host),
 * so the builders serve it as they serve a Kubernetes Service: clusters {@code
 * outbound|<port>||<host>}, listeners on its addresses, routes by host; a Diameter port gets the
 * Diameter profile. One entry per host: the oldest; the others are problems.
 */
final class ServiceEntries {

  /** The Services of the entries, and the endpoints of their STATIC ones. */
  record Result(
      SortedMap<NamespacedName, MeshService> services,
      Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints) {}

  private ServiceEntries() {}

  /**
   * @param workloads the mesh's pods: an entry with a {@code workloadSelector} has those of its
   *     namespace that carry the labels as its endpoints (their eth0 addresses)
   */
  static Result apply(
      SortedMap<NamespacedName, MeshService> services,
      SortedMap<NamespacedName, ServiceEntry> entries,
      SortedMap<NamespacedName, Workload> workloads,
      ProblemSink problems) {
    if (entries.isEmpty()) {
      return new Result(services, Map.of());
    }
    SortedMap<NamespacedName, MeshService> result = new TreeMap<>(services);
    Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints = new HashMap<>();
    Map<String, NamespacedName> claimed = new HashMap<>();
    List<ServiceEntry> ordered = new ArrayList<>(entries.values());
    ordered.sort(Comparator.comparing(ServiceEntry::created).thenComparing(ServiceEntry::key));
    for (ServiceEntry entry : ordered) {
      for (String host : entry.hosts()) {
        NamespacedName before = claimed.putIfAbsent(host, entry.key());
        if (before != null) {
          problems.add(
              entry.ref(),
              "spec.hosts",
              "another ServiceEntry for " + host + " applies (" + before + ", older): not merged");
          continue;
        }
        MeshService service = service(entry, host);
        result.put(service.key(), service);
        if (entry.workloadSelector().isPresent()) {
          endpoints.put(service.key(), selectedEndpoints(entry, workloads));
        } else if (entry.resolution() == Resolution.STATIC) {
          endpoints.put(service.key(), staticEndpoints(entry));
        }
      }
    }
    return new Result(result, endpoints);
  }

  private static MeshService service(ServiceEntry entry, String host) {
    List<ExternalHost.DnsTarget> targets =
        isDns(entry.resolution())
            ? entry.endpoints().stream()
                .map(e -> new ExternalHost.DnsTarget(e.address(), e.ports(), e.locality()))
                .toList()
            : List.of();
    // Selected pods are the entry's endpoints, whatever its resolution says (as Istio's).
    Resolution resolution =
        entry.workloadSelector().isPresent() ? Resolution.STATIC : entry.resolution();
    ExternalHost external =
        new ExternalHost(entry.key(), host, resolution, entry.meshExternal(), targets);
    return new MeshService(
        new NamespacedName(entry.key().namespace(), host),
        Optional.empty(),
        entry.addresses(),
        false,
        entry.ports(),
        entry.untouched(),
        Optional.empty(),
        entry.created(),
        Optional.empty(),
        Optional.empty(),
        Optional.of(external));
  }

  private static boolean isDns(Resolution resolution) {
    return resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN;
  }

  /** Per port: every endpoint, on its override for the port's name, else the port's target. */
  private static Map<Integer, List<ServiceEndpoint>> staticEndpoints(ServiceEntry entry) {
    Map<Integer, List<ServiceEndpoint>> byPort = new TreeMap<>();
    for (ServicePort port : entry.ports()) {
      List<ServiceEndpoint> list = new ArrayList<>();
      for (Endpoint endpoint : entry.endpoints()) {
        int target = endpoint.ports().getOrDefault(port.name(), targetNumber(port));
        IpAddress.parse(endpoint.address())
            .ifPresent(
                a ->
                    list.add(
                        new ServiceEndpoint(
                            a, target, true, Optional.empty(), endpoint.locality())));
      }
      byPort.put(port.port(), list.stream().sorted().distinct().toList());
    }
    return byPort;
  }

  /**
   * Per port: the eth0 addresses of the entry namespace's pods that carry the selector's labels, on
   * the port's target, ready as the pod is.
   */
  private static Map<Integer, List<ServiceEndpoint>> selectedEndpoints(
      ServiceEntry entry, SortedMap<NamespacedName, Workload> workloads) {
    Map<String, String> selector = entry.workloadSelector().orElseThrow();
    Map<Integer, List<ServiceEndpoint>> byPort = new TreeMap<>();
    for (ServicePort port : entry.ports()) {
      List<ServiceEndpoint> list = new ArrayList<>();
      for (Workload workload : workloads.values()) {
        boolean selected =
            workload.namespace().equals(entry.key().namespace())
                && LabelSelector.matches(selector, workload.labels());
        if (!selected) {
          continue;
        }
        for (IpAddress address : workload.clusterIps()) {
          list.add(
              new ServiceEndpoint(
                  address,
                  targetNumber(port),
                  workload.ready(),
                  Optional.of(workload.key()),
                  io.telmesh.model.Locality.UNKNOWN));
        }
      }
      byPort.put(port.port(), list.stream().sorted().distinct().toList());
    }
    return byPort;
  }

  private static int targetNumber(ServicePort port) {
    return port.targetPort() instanceof io.telmesh.model.TargetPort.Numeric n
        ? n.port()
        : port.port();
  }
}
