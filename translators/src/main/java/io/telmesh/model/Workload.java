package io.telmesh.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A pod as the mesh sees it: its interfaces (from Multus {@code network-status}, or {@code eth0}
 * from {@code status.podIPs}), what it asked for, its ports and its capture choices.
 *
 * @param readyCondition the {@code Ready} condition, empty when the pod reports none
 * @param accessLog the pod's {@code telmesh.io/access-log} choice; empty when it made none (or an
 *     invalid one), so the node's or the server's default applies
 * @param serviceAccount {@code spec.serviceAccountName}; Kubernetes admits a pod without one as
 *     {@code default}, and so does this record: the secure xDS port authorizes proxies by it
 */
public record Workload(
    NamespacedName key,
    SortedMap<String, String> labels,
    List<PodInterface> interfaces,
    List<NetworkSelection> requestedNetworks,
    List<ContainerPort> containerPorts,
    Optional<Boolean> readyCondition,
    boolean running,
    Instant created,
    CaptureSettings capture,
    Optional<Boolean> accessLog,
    String serviceAccount) {

  public static final String DEFAULT_SERVICE_ACCOUNT = "default";

  public Workload {
    serviceAccount =
        serviceAccount == null || serviceAccount.isEmpty()
            ? DEFAULT_SERVICE_ACCOUNT
            : serviceAccount;
    labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    interfaces = List.copyOf(interfaces);
    requestedNetworks = List.copyOf(requestedNetworks);
    containerPorts = List.copyOf(containerPorts);
  }

  /** Ready by its {@code Ready} condition, or, when the pod reports none, by being Running. */
  public boolean ready() {
    return readyCondition.orElse(running);
  }

  public String namespace() {
    return key.namespace();
  }

  public String name() {
    return key.name();
  }

  /** Whether the pod has a kernel interface besides the cluster network. */
  public boolean hasSecondaryInterfaces() {
    return interfaces.stream().anyMatch(i -> !i.isDefault() && !i.ips().isEmpty());
  }

  public boolean hasIpv6() {
    return interfaces.stream().anyMatch(PodInterface::hasIpv6);
  }

  public boolean hasIpv4() {
    return interfaces.stream().anyMatch(PodInterface::hasIpv4) || !hasIpv6();
  }

  public Optional<PodInterface> defaultInterface() {
    return interfaces.stream().filter(PodInterface::isDefault).findFirst();
  }

  /** The pod's addresses on the cluster network, the ones Kubernetes Services know. */
  public List<IpAddress> clusterIps() {
    return defaultInterface().map(PodInterface::ips).orElse(List.of());
  }

  /** The networks the pod is attached to ({@code default} for eth0's), each once. */
  public List<String> networks() {
    return interfaces.stream().map(PodInterface::network).distinct().toList();
  }

  /** Interfaces on the given NAD, matched as {@code ns/nad} (bare names mean this namespace). */
  public List<PodInterface> interfacesOn(NamespacedName network) {
    String wanted = network.toString();
    return interfaces.stream().filter(i -> i.network().equals(wanted)).toList();
  }

  public Optional<ContainerPort> containerPort(String portName) {
    return containerPorts.stream().filter(p -> p.name().equals(portName)).findFirst();
  }

  /** Labels as a plain map, for selector matching. */
  public Map<String, String> labelMap() {
    return labels;
  }
}
