package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.ExternalHost.Resolution;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.Locality;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TargetPort;
import io.telmesh.protocol.ProtocolSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * A {@code networking.istio.io} ServiceEntry to the hosts, addresses, ports and endpoints telmesh
 * serves, validated by Istio's rules ({@code ValidateServiceEntry}): at least one host and one
 * port, port numbers 1–65535 once each, endpoint addresses that suit the resolution (IPs for {@code
 * STATIC}, none for {@code NONE}), endpoint port names that the entry declares. What Istio refuses
 * is a problem naming the field and is left out (the whole entry, when nothing servable is left);
 * what telmesh does not apply yet (CIDR addresses, wildcard hosts, endpoint weights and networks)
 * is a problem too.
 */
public final class ServiceEntryReader {

  public static final String KIND = "ServiceEntry";

  /** Istio's ports: the protocol decides, as a Service port's name prefix does. */
  private static final Set<String> PROTOCOLS =
      Set.of(
          "HTTP",
          "HTTPS",
          "GRPC",
          "GRPC-WEB",
          "HTTP2",
          "TCP",
          "TLS",
          "MONGO",
          "MYSQL",
          "REDIS",
          "UDP",
          "SCTP");

  /** More endpoints than this in one entry is hostile, not a configuration. */
  static final int MAX_ENDPOINTS = 10_000;

  /**
   * An entry as read.
   *
   * @param addresses its VIPs; empty: clients reach it by host name on the port alone
   * @param untouched its UDP and SCTP ports, which telmesh never serves
   */
  public record ServiceEntry(
      NamespacedName key,
      Instant created,
      List<String> hosts,
      List<IpAddress> addresses,
      List<ServicePort> ports,
      List<ServicePort> untouched,
      boolean meshExternal,
      Resolution resolution,
      List<Endpoint> endpoints,
      Optional<Map<String, String>> workloadSelector,
      io.telmesh.model.ExportTo exportTo) {

    public ServiceEntry {
      hosts = List.copyOf(hosts);
      addresses = List.copyOf(addresses);
      ports = List.copyOf(ports);
      untouched = List.copyOf(untouched);
      endpoints = List.copyOf(endpoints);
      workloadSelector = workloadSelector.map(Map::copyOf);
    }

    public ObjectRef ref() {
      return new ObjectRef(KIND, key.namespace(), key.name());
    }
  }

  /**
   * One {@code endpoints} entry.
   *
   * @param address an IP ({@code STATIC}), or a name or IP Envoy resolves ({@code DNS})
   * @param ports target port by the entry's port name
   */
  public record Endpoint(
      String address, Map<String, Integer> ports, Map<String, String> labels, Locality locality) {
    public Endpoint {
      ports = Map.copyOf(ports);
      labels = Map.copyOf(labels);
    }
  }

  private ServiceEntryReader() {}

  public static boolean isServiceEntry(GenericKubernetesResource resource) {
    return IstioObject.is(resource, KIND);
  }

  public static Optional<ServiceEntry> read(
      GenericKubernetesResource resource, ProblemSink problems) {
    Optional<IstioObject> object = IstioObject.of(resource, KIND, problems);
    if (object.isEmpty()) {
      return Optional.empty();
    }
    ObjectRef ref = object.get().ref();
    JsonNode spec = object.get().spec();
    if (!spec.path("subjectAltNames").isMissingNode() && !spec.path("subjectAltNames").isNull()) {
      problems.add(ref, "spec.subjectAltNames", "subjectAltNames is not applied yet");
    }
    Optional<Optional<Map<String, String>>> selector =
        workloadSelector(ref, spec.path("workloadSelector"), problems);
    if (selector.isEmpty()) {
      return Optional.empty();
    }
    io.telmesh.model.ExportTo exportTo = object.get().exportTo(problems);
    Optional<Resolution> resolution = resolution(ref, spec.path("resolution"), problems);
    if (resolution.isEmpty()) {
      return Optional.empty();
    }
    List<String> hosts = hosts(ref, spec.path("hosts"), problems);
    List<ServicePort> ports = new ArrayList<>();
    List<ServicePort> untouched = new ArrayList<>();
    ports(ref, spec.path("ports"), ports, untouched, problems);
    if (hosts.isEmpty() || (ports.isEmpty() && untouched.isEmpty())) {
      problems.add(
          ref, "spec", "a valid host and a valid port are required: the ServiceEntry is ignored");
      return Optional.empty();
    }
    boolean external = !"MESH_INTERNAL".equals(spec.path("location").asString("MESH_EXTERNAL"));
    Set<String> portNames = new HashSet<>();
    ports.forEach(p -> portNames.add(p.name()));
    untouched.forEach(p -> portNames.add(p.name()));
    List<Endpoint> endpoints =
        endpoints(ref, spec.path("endpoints"), resolution.get(), portNames, problems);
    if (selector.get().isPresent() && !endpoints.isEmpty()) {
      problems.add(
          ref,
          "spec.endpoints",
          "only one of workloadSelector and endpoints may be set (Istio's rule): the endpoints are"
              + " left out, the selected pods are the backends");
      endpoints = List.of();
    }
    if (resolution.get() == Resolution.STATIC && endpoints.isEmpty() && selector.get().isEmpty()) {
      problems.add(
          ref,
          "spec.endpoints",
          "STATIC resolution needs endpoints with IP addresses: the entry has no backends");
    }
    return Optional.of(
        new ServiceEntry(
            object.get().key(),
            object.get().created(),
            hosts,
            addresses(ref, spec.path("addresses"), problems),
            ports,
            untouched,
            external,
            resolution.get(),
            endpoints,
            selector.get(),
            exportTo));
  }

  /**
   * {@code workloadSelector.labels}: empty when absent; no value (a problem, the entry ignored)
   * when it is empty or holds a label Istio refuses, since selecting every pod is never meant.
   */
  private static Optional<Optional<Map<String, String>>> workloadSelector(
      ObjectRef ref, JsonNode node, ProblemSink problems) {
    if (node.isMissingNode() || node.isNull()) {
      return Optional.of(Optional.empty());
    }
    JsonNode labels = node.path("labels");
    if (!labels.isObject() || labels.isEmpty()) {
      problems.add(
          ref, "spec.workloadSelector.labels", "labels are required: the ServiceEntry is ignored");
      return Optional.empty();
    }
    Optional<java.util.SortedMap<String, String>> parsed =
        IstioObject.labels(
            ref, labels, "spec.workloadSelector.labels", "the ServiceEntry is ignored", problems);
    // The outer value says whether the ServiceEntry is kept, the inner one what it selects.
    return parsed.isEmpty() ? Optional.empty() : Optional.of(Optional.of(parsed.get()));
  }

  private static Optional<Resolution> resolution(
      ObjectRef ref, JsonNode node, ProblemSink problems) {
    String text = node.asString("NONE");
    try {
      return Optional.of(Resolution.valueOf(text));
    } catch (IllegalArgumentException e) {
      problems.add(
          ref,
          "spec.resolution",
          "\""
              + NetworkStatusParser.printable(text)
              + "\" is none of NONE, STATIC, DNS, DNS_ROUND_ROBIN: the ServiceEntry is ignored");
      return Optional.empty();
    }
  }

  private static List<String> hosts(ObjectRef ref, JsonNode node, ProblemSink problems) {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < node.size() && i < MAX_ENDPOINTS; i++) {
      String host = node.get(i).asString("");
      String field = "spec.hosts[" + i + "]";
      if (host.contains("*")) {
        problems.add(ref, field, "wildcard hosts are not applied yet: left out");
      } else if (!Syntax.isDnsSubdomain(host) || !host.contains(".")) {
        problems.add(
            ref,
            field,
            "\""
                + NetworkStatusParser.printable(host)
                + "\" is not a fully qualified host name: left out");
      } else if (host.endsWith("." + io.telmesh.model.MeshService.DOMAIN_SUFFIX)) {
        problems.add(
            ref,
            field,
            host
                + " is a Kubernetes Service name: it stays that Service's, the entry's is left out");
      } else if (!hosts.contains(host)) {
        hosts.add(host);
      }
    }
    return hosts;
  }

  private static List<IpAddress> addresses(ObjectRef ref, JsonNode node, ProblemSink problems) {
    List<IpAddress> addresses = new ArrayList<>();
    for (int i = 0; i < node.size() && i < MAX_ENDPOINTS; i++) {
      String text = node.get(i).asString("");
      boolean host = !text.contains("/") || text.endsWith("/32") || text.endsWith("/128");
      Optional<IpAddress> address = host ? IpAddress.parse(text) : Optional.empty();
      if (address.isPresent()) {
        addresses.add(address.get());
      } else {
        problems.add(
            ref,
            "spec.addresses[" + i + "]",
            "\""
                + NetworkStatusParser.printable(text)
                + "\" is not an IP address (CIDR ranges are not applied yet): left out");
      }
    }
    return addresses;
  }

  private static void ports(
      ObjectRef ref,
      JsonNode node,
      List<ServicePort> ports,
      List<ServicePort> untouched,
      ProblemSink problems) {
    Set<String> numbers = new HashSet<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode port = node.get(i);
      String field = "spec.ports[" + i + "]";
      JsonNode numberNode = port.path("number");
      if (!numberNode.canConvertToInt() || !Syntax.isPort(numberNode.asInt())) {
        problems.add(ref, field + ".number", "a port 1-65535 is required: port left out");
        continue;
      }
      int number = numberNode.asInt();
      String name = port.path("name").asString("");
      String protocol = port.path("protocol").asString("TCP").toUpperCase(Locale.ROOT);
      if (!PROTOCOLS.contains(protocol)) {
        problems.add(
            ref,
            field + ".protocol",
            "\""
                + NetworkStatusParser.printable(protocol)
                + "\" is not one of Istio's protocols: port left out");
        continue;
      }
      // One number may carry TCP and SCTP (Diameter does), as on a Service.
      String transportKey =
          number + (protocol.equals("UDP") || protocol.equals("SCTP") ? protocol : "");
      if (!numbers.add(transportKey) || (!name.isEmpty() && !names.add(name))) {
        problems.add(ref, field, "port " + number + " or its name is used twice: left out");
        continue;
      }
      JsonNode targetNode = port.path("targetPort");
      int target =
          targetNode.canConvertToInt() && Syntax.isPort(targetNode.asInt())
              ? targetNode.asInt()
              : number;
      L4Protocol transport =
          switch (protocol) {
            case "UDP" -> L4Protocol.UDP;
            case "SCTP" -> L4Protocol.SCTP;
            default -> L4Protocol.TCP;
          };
      AppProtocol app = ProtocolSelector.forServiceEntry(name, protocol, number);
      ServicePort parsed =
          new ServicePort(
              name,
              number,
              new TargetPort.Numeric(target),
              transport,
              Optional.of(protocol.toLowerCase(Locale.ROOT)),
              app,
              i);
      (transport == L4Protocol.TCP ? ports : untouched).add(parsed);
    }
  }

  private static List<Endpoint> endpoints(
      ObjectRef ref,
      JsonNode node,
      Resolution resolution,
      Set<String> portNames,
      ProblemSink problems) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (resolution == Resolution.NONE && !node.isEmpty()) {
      problems.add(
          ref,
          "spec.endpoints",
          "resolution NONE takes no endpoints (Istio's rule): connections go where clients dial");
      return List.of();
    }
    if (node.size() > MAX_ENDPOINTS) {
      problems.add(
          ref, "spec.endpoints", "more than " + MAX_ENDPOINTS + " endpoints: only the first used");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < node.size() && i < MAX_ENDPOINTS; i++) {
      JsonNode entry = node.get(i);
      String field = "spec.endpoints[" + i + "]";
      String address = entry.path("address").asString("");
      boolean ip = !address.contains("/") && IpAddress.parse(address).isPresent();
      boolean valid =
          resolution == Resolution.STATIC
              ? ip
              : ip || (Syntax.isDnsSubdomain(address) && address.contains("."));
      if (!valid) {
        problems.add(
            ref,
            field + ".address",
            "\""
                + NetworkStatusParser.printable(address)
                + (resolution == Resolution.STATIC
                    ? "\" is not an IP address, as STATIC needs (Unix sockets are not applied):"
                        + " endpoint left out"
                    : "\" is neither a host name nor an IP address: endpoint left out"));
        continue;
      }
      Map<String, Integer> ports = new TreeMap<>();
      boolean portsValid = true;
      for (Map.Entry<String, JsonNode> port : entry.path("ports").properties()) {
        if (!portNames.contains(port.getKey())
            || !port.getValue().canConvertToInt()
            || !Syntax.isPort(port.getValue().asInt())) {
          problems.add(
              ref,
              field + ".ports",
              "\""
                  + NetworkStatusParser.printable(port.getKey())
                  + "\" is no port name of the entry with a port 1-65535: endpoint left out");
          portsValid = false;
          break;
        }
        ports.put(port.getKey(), port.getValue().asInt());
      }
      if (!portsValid) {
        continue;
      }
      Map<String, String> labels = new TreeMap<>();
      for (Map.Entry<String, JsonNode> label : entry.path("labels").properties()) {
        if (label.getValue().isString()
            && Syntax.isLabel(label.getKey(), label.getValue().stringValue())) {
          labels.put(label.getKey(), label.getValue().stringValue());
        } else {
          problems.add(
              ref,
              field + ".labels",
              "\""
                  + NetworkStatusParser.printable(label.getKey())
                  + "\" is not a valid label:"
                  + " left out");
        }
      }
      for (String unapplied : List.of("weight", "network", "serviceAccount")) {
        if (entry.has(unapplied)) {
          problems.add(
              ref,
              field + "." + unapplied,
              "not applied yet (the routing table picks the interface; endpoints weigh the same)");
        }
      }
      Locality locality =
          entry.path("locality").isString()
              ? Locality.parse(entry.path("locality").stringValue())
              : Locality.UNKNOWN;
      endpoints.add(new Endpoint(address, ports, labels, locality));
    }
    return endpoints;
  }
}
