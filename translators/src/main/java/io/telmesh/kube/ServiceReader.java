package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TargetPort;
import io.telmesh.protocol.ProtocolSelector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** Service to {@link MeshService}, with each port's protocol decided and UDP/SCTP set aside. */
public final class ServiceReader {

  private ServiceReader() {}

  /**
   * Istio's {@code networking.istio.io/exportTo} annotation: which namespaces' sidecars see the
   * Service, in {@code exportTo}'s entries, comma-separated; keyed by the Service. Empty when the
   * Service has none (it is then visible everywhere, as with Istio's default {@code
   * defaultServiceExportTo}).
   */
  public static Optional<java.util.Map.Entry<ObjectRef, io.telmesh.model.ExportTo>> exportTo(
      Service service, ProblemSink problems) {
    Optional<ObjectMeta> meta = Meta.of(service);
    String value =
        meta.map(m -> Meta.annotations(m).get(Annotations.SERVICE_EXPORT_TO)).orElse(null);
    if (value == null) {
      return Optional.empty();
    }
    ObjectRef ref =
        ObjectRef.service(new NamespacedName(Meta.namespace(meta.get()), meta.get().getName()));
    String field = Annotations.field(Annotations.SERVICE_EXPORT_TO);
    List<String> entries = java.util.Arrays.stream(value.split(",", -1)).map(String::trim).toList();
    return Optional.of(
        java.util.Map.entry(ref, IstioObject.exportTo(ref, entries, i -> field, field, problems)));
  }

  public static Optional<MeshService> read(Service service, ProblemSink problems) {
    Optional<ObjectMeta> maybeMeta = Meta.of(service);
    if (maybeMeta.isEmpty()) {
      problems.add(
          new ObjectRef("Service", "", ""), "metadata.name", "service without a name skipped");
      return Optional.empty();
    }
    ObjectMeta meta = maybeMeta.get();
    NamespacedName key = new NamespacedName(Meta.namespace(meta), meta.getName());
    ObjectRef ref = ObjectRef.service(key);
    ServiceSpec spec = service.getSpec();
    if (spec == null) {
      problems.add(ref, "spec", "service without a spec skipped");
      return Optional.empty();
    }
    if ("ExternalName".equals(spec.getType())) {
      problems.add(ref, "spec.type", "ExternalName Services are not served by telmesh");
      return Optional.empty();
    }

    Optional<NamespacedName> serviceNetwork = Optional.empty();
    String networkAnnotation = Meta.annotations(meta).get(Annotations.SERVICE_NETWORK);
    if (networkAnnotation != null) {
      serviceNetwork = parseNetwork(networkAnnotation.strip(), key.namespace());
      if (serviceNetwork.isEmpty()) {
        problems.add(
            ref,
            Annotations.field(Annotations.SERVICE_NETWORK),
            "'"
                + NetworkStatusParser.printable(networkAnnotation)
                + "' is not <nad> or <namespace>/<nad>; the Service is not served (it must not fall back to eth0)");
        return Optional.empty();
      }
    }

    boolean headless = "None".equalsIgnoreCase(String.valueOf(spec.getClusterIP()));
    List<IpAddress> clusterIps = headless ? List.of() : clusterIps(ref, spec, problems);
    Optional<SortedMap<String, String>> selector =
        Optional.ofNullable(spec.getSelector()).filter(s -> !s.isEmpty()).map(TreeMap::new);

    List<ServicePort> ports = new ArrayList<>();
    List<ServicePort> untouched = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> portsSeen = new HashSet<>();
    List<io.fabric8.kubernetes.api.model.ServicePort> specPorts =
        spec.getPorts() == null ? List.of() : spec.getPorts();
    for (int i = 0; i < specPorts.size(); i++) {
      readPort(ref, specPorts.get(i), i, names, portsSeen, problems)
          .ifPresent(port -> (port.transport().untouched() ? untouched : ports).add(port));
    }
    return Optional.of(
        new MeshService(
            key,
            selector,
            clusterIps,
            headless,
            ports,
            untouched,
            serviceNetwork,
            Meta.created(meta)));
  }

  private static Optional<ServicePort> readPort(
      ObjectRef ref,
      io.fabric8.kubernetes.api.model.ServicePort port,
      int index,
      Set<String> names,
      Set<String> portsSeen,
      ProblemSink problems) {
    String field = "spec.ports[" + index + "]";
    Integer number = port.getPort();
    if (number == null || !Syntax.isPort(number)) {
      problems.add(ref, field + ".port", "'" + number + "' is not a port (1-65535), port skipped");
      return Optional.empty();
    }
    Optional<L4Protocol> transport = L4Protocol.parse(port.getProtocol());
    if (transport.isEmpty()) {
      problems.add(
          ref,
          field + ".protocol",
          "'"
              + NetworkStatusParser.printable(port.getProtocol())
              + "' is not TCP, UDP or SCTP, port skipped");
      return Optional.empty();
    }
    if (!portsSeen.add(number + "/" + transport.get())) {
      problems.add(
          ref,
          field + ".port",
          "port " + number + "/" + transport.get() + " declared twice, later one skipped");
      return Optional.empty();
    }
    String name = port.getName() == null ? "" : port.getName();
    if (!name.isEmpty() && !Syntax.isDnsLabel(name)) {
      problems.add(
          ref,
          field + ".name",
          "'"
              + NetworkStatusParser.printable(name)
              + "' is not a valid port name (DNS-1123 label); protocol chosen as for an unnamed port");
      name = "";
    } else if (!name.isEmpty() && !names.add(name + "/" + transport.get())) {
      problems.add(ref, field + ".name", "port name '" + name + "' used twice, later port skipped");
      return Optional.empty();
    }
    Optional<TargetPort> target = targetPort(ref, field, port.getTargetPort(), number, problems);
    if (target.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> appProtocol =
        Optional.ofNullable(port.getAppProtocol()).filter(s -> !s.isBlank());
    AppProtocol protocol = ProtocolSelector.select(name, appProtocol, number);
    return Optional.of(
        new ServicePort(name, number, target.get(), transport.get(), appProtocol, protocol, index));
  }

  private static Optional<TargetPort> targetPort(
      ObjectRef ref, String field, IntOrString target, int servicePort, ProblemSink problems) {
    if (target == null || (target.getIntVal() == null && target.getStrVal() == null)) {
      return Optional.of(new TargetPort.Numeric(servicePort));
    }
    if (target.getIntVal() != null) {
      int value = target.getIntVal();
      if (!Syntax.isPort(value)) {
        problems.add(
            ref, field + ".targetPort", "'" + value + "' is not a port (1-65535), port skipped");
        return Optional.empty();
      }
      return Optional.of(new TargetPort.Numeric(value));
    }
    String text = target.getStrVal();
    if (text.matches("\\d+")) {
      long value = Long.parseLong(text.length() > 6 ? "0" : text);
      if (text.length() > 6 || !Syntax.isPort(value)) {
        problems.add(
            ref, field + ".targetPort", "'" + text + "' is not a port (1-65535), port skipped");
        return Optional.empty();
      }
      return Optional.of(new TargetPort.Numeric((int) value));
    }
    if (!Syntax.isPortName(text)) {
      problems.add(
          ref,
          field + ".targetPort",
          "'"
              + NetworkStatusParser.printable(text)
              + "' is neither a port number nor a valid port name, port skipped");
      return Optional.empty();
    }
    return Optional.of(new TargetPort.Named(text));
  }

  private static List<IpAddress> clusterIps(ObjectRef ref, ServiceSpec spec, ProblemSink problems) {
    List<String> raw = new ArrayList<>();
    if (spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()) {
      raw.addAll(spec.getClusterIPs());
    } else if (spec.getClusterIP() != null && !spec.getClusterIP().isEmpty()) {
      raw.add(spec.getClusterIP());
    }
    List<IpAddress> ips = new ArrayList<>();
    for (String ip : raw) {
      Optional<IpAddress> parsed = IpAddress.parse(ip);
      if (parsed.isPresent() && !ip.contains("/") && usable(parsed.get())) {
        ips.add(parsed.get());
      } else {
        problems.add(
            ref,
            "spec.clusterIPs",
            "'"
                + NetworkStatusParser.printable(String.valueOf(ip))
                + "' is not a usable cluster IP (unicast, not unspecified or loopback), ignored");
      }
    }
    return ips.stream().distinct().toList();
  }

  /** A listener on 0.0.0.0 or a loopback VIP would collide with the sidecar's own listeners. */
  private static boolean usable(IpAddress ip) {
    java.net.InetAddress address = com.google.common.net.InetAddresses.forString(ip.address());
    return !address.isAnyLocalAddress()
        && !address.isLoopbackAddress()
        && !address.isMulticastAddress();
  }

  private static Optional<NamespacedName> parseNetwork(String value, String serviceNamespace) {
    String[] parts = value.split("/", -1);
    if (parts.length == 1 && Syntax.isDnsLabel(parts[0])) {
      return Optional.of(new NamespacedName(serviceNamespace, parts[0]));
    }
    if (parts.length == 2 && Syntax.isDnsLabel(parts[0]) && Syntax.isDnsLabel(parts[1])) {
      return Optional.of(new NamespacedName(parts[0], parts[1]));
    }
    return Optional.empty();
  }
}
