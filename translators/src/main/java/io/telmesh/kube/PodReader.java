package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.telmesh.model.CaptureSettings;
import io.telmesh.model.ContainerPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkSelection;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Pod to {@link Workload}: interfaces from Multus status, falling back to {@code status.podIPs}.
 */
public final class PodReader {

  private PodReader() {}

  public static Optional<Workload> read(Pod pod, ProblemSink problems) {
    Optional<ObjectMeta> maybeMeta = Meta.of(pod);
    if (maybeMeta.isEmpty()) {
      problems.add(new ObjectRef("Pod", "", ""), "metadata.name", "pod without a name skipped");
      return Optional.empty();
    }
    ObjectMeta meta = maybeMeta.get();
    NamespacedName key = new NamespacedName(Meta.namespace(meta), meta.getName());
    ObjectRef ref = ObjectRef.pod(key);
    Map<String, String> annotations = Meta.annotations(meta);
    PodStatus status = pod.getStatus();

    List<PodInterface> interfaces = interfaces(ref, annotations, status, problems);
    List<NetworkSelection> requested = requestedNetworks(ref, annotations, problems);
    List<ContainerPort> ports = containerPorts(ref, pod, problems);
    CaptureSettings capture = CaptureAnnotationsReader.read(ref, annotations, problems);
    Optional<Boolean> accessLog = AccessLogAnnotation.read(ref, annotations, problems);
    Optional<Boolean> ready =
        status == null ? Optional.empty() : condition(status.getConditions(), "Ready");
    boolean running = status != null && "Running".equals(status.getPhase());
    return Optional.of(
        new Workload(
            key,
            new TreeMap<>(Meta.labels(meta)),
            interfaces,
            requested,
            ports,
            ready,
            running,
            Meta.created(meta),
            capture,
            accessLog,
            serviceAccount(ref, pod, problems)));
  }

  /**
   * {@code spec.serviceAccountName}, or the deprecated {@code spec.serviceAccount}. An invalid name
   * is reported and kept: no token can carry it, so the pod's proxy is refused on the secure port
   * rather than authorized as {@code default}.
   */
  private static String serviceAccount(ObjectRef ref, Pod pod, ProblemSink problems) {
    if (pod.getSpec() == null) {
      return Workload.DEFAULT_SERVICE_ACCOUNT;
    }
    String name = pod.getSpec().getServiceAccountName();
    String field = "spec.serviceAccountName";
    if (name == null || name.isEmpty()) {
      name = pod.getSpec().getServiceAccount();
      field = "spec.serviceAccount";
    }
    if (name == null || name.isEmpty()) {
      return Workload.DEFAULT_SERVICE_ACCOUNT;
    }
    if (!Syntax.isDnsSubdomain(name)) {
      problems.add(
          ref,
          field,
          "\""
              + NetworkStatusParser.printable(name)
              + "\" is not a service account name (a DNS-1123 subdomain); no identity can"
              + " claim this pod's proxy");
    }
    return name;
  }

  private static List<PodInterface> interfaces(
      ObjectRef ref, Map<String, String> annotations, PodStatus status, ProblemSink problems) {
    String key =
        annotations.containsKey(Annotations.NETWORK_STATUS)
            ? Annotations.NETWORK_STATUS
            : Annotations.NETWORKS_STATUS_OLD;
    String statusAnnotation = annotations.get(key);
    List<PodInterface> interfaces = new ArrayList<>();
    if (statusAnnotation != null) {
      try {
        NetworkStatusParser.Result result =
            NetworkStatusParser.parse(statusAnnotation, ref.namespace());
        interfaces.addAll(result.interfaces());
        result.notes().forEach(note -> problems.add(ref, Annotations.field(key), note));
      } catch (IllegalArgumentException e) {
        problems.add(
            ref,
            Annotations.field(key),
            e.getMessage() + "; only eth0 from status.podIPs is served");
      }
    }
    boolean hasDefault =
        interfaces.stream()
            .anyMatch(i -> i.isDefault() || i.name().equals(PodInterface.DEFAULT_INTERFACE));
    if (!hasDefault) {
      List<IpAddress> podIps = podIps(ref, status, problems);
      if (!podIps.isEmpty()) {
        interfaces.add(
            new PodInterface(
                PodInterface.DEFAULT_INTERFACE, PodInterface.DEFAULT_NETWORK, podIps, true));
      }
    }
    // A network-status entry named eth0 without "default": true is still the cluster network.
    List<PodInterface> normalized =
        interfaces.stream()
            .map(
                i ->
                    !i.isDefault()
                            && i.name().equals(PodInterface.DEFAULT_INTERFACE)
                            && interfaces.stream().noneMatch(PodInterface::isDefault)
                        ? new PodInterface(i.name(), PodInterface.DEFAULT_NETWORK, i.ips(), true)
                        : i)
            .sorted(
                Comparator.comparing((PodInterface i) -> !i.isDefault())
                    .thenComparing(PodInterface::name))
            .toList();
    return normalized;
  }

  private static List<IpAddress> podIps(ObjectRef ref, PodStatus status, ProblemSink problems) {
    if (status == null) {
      return List.of();
    }
    List<String> raw = new ArrayList<>();
    if (status.getPodIPs() != null && !status.getPodIPs().isEmpty()) {
      status.getPodIPs().stream().map(PodIP::getIp).forEach(raw::add);
    } else if (status.getPodIP() != null && !status.getPodIP().isEmpty()) {
      raw.add(status.getPodIP());
    }
    List<IpAddress> ips = new ArrayList<>();
    for (String ip : raw) {
      Optional<IpAddress> parsed = IpAddress.parse(ip);
      if (parsed.isPresent()) {
        ips.add(parsed.get());
      } else {
        problems.add(
            ref,
            "status.podIPs",
            "'"
                + NetworkStatusParser.printable(String.valueOf(ip))
                + "' is not an IP address, ignored");
      }
    }
    return ips.stream().sorted().distinct().toList();
  }

  private static List<NetworkSelection> requestedNetworks(
      ObjectRef ref, Map<String, String> annotations, ProblemSink problems) {
    String value = annotations.get(Annotations.NETWORKS);
    if (value == null) {
      return List.of();
    }
    try {
      return NetworksAnnotationParser.parse(value, ref.namespace());
    } catch (IllegalArgumentException e) {
      problems.add(
          ref, Annotations.field(Annotations.NETWORKS), e.getMessage() + "; request ignored");
      return List.of();
    }
  }

  private static List<ContainerPort> containerPorts(ObjectRef ref, Pod pod, ProblemSink problems) {
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
      return List.of();
    }
    List<ContainerPort> ports = new ArrayList<>();
    List<Container> containers = pod.getSpec().getContainers();
    for (int c = 0; c < containers.size(); c++) {
      Container container = containers.get(c);
      if (container.getPorts() == null) {
        continue;
      }
      for (int p = 0; p < container.getPorts().size(); p++) {
        io.fabric8.kubernetes.api.model.ContainerPort port = container.getPorts().get(p);
        String field = "spec.containers[" + c + "].ports[" + p + "]";
        Integer number = port.getContainerPort();
        if (number == null || !Syntax.isPort(number)) {
          problems.add(
              ref,
              field + ".containerPort",
              "'" + number + "' is not a port (1-65535), port ignored");
          continue;
        }
        Optional<L4Protocol> protocol = L4Protocol.parse(port.getProtocol());
        if (protocol.isEmpty()) {
          problems.add(
              ref,
              field + ".protocol",
              "'"
                  + NetworkStatusParser.printable(port.getProtocol())
                  + "' is not TCP, UDP or SCTP, port ignored");
          continue;
        }
        String name = port.getName() == null ? "" : port.getName();
        if (!name.isEmpty() && !Syntax.isPortName(name)) {
          problems.add(
              ref,
              field + ".name",
              "'"
                  + NetworkStatusParser.printable(name)
                  + "' is not a valid port name, name ignored");
          name = "";
        }
        ports.add(new ContainerPort(name, number, protocol.get()));
      }
    }
    return ports.stream()
        .distinct()
        .sorted(Comparator.comparingInt(ContainerPort::port).thenComparing(ContainerPort::protocol))
        .toList();
  }

  private static Optional<Boolean> condition(List<PodCondition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .map(c -> "True".equals(c.getStatus()));
  }
}
