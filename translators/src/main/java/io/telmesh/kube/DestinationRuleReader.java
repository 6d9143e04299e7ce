package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.TrafficPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * A {@code networking.istio.io} DestinationRule to the host and traffic policy telmesh applies.
 * Istio's own validation rules decide what is bad (durations of at least 1 ms in whole
 * milliseconds, no negative limits, ejection percentages 0–100, one consistent hash key); a bad
 * field is a problem naming the object and field and is left out, the rest of the rule still
 * applies. What telmesh does not apply (TLS origination, wildcard hosts) is a problem too, never
 * silently ignored.
 */
public final class DestinationRuleReader {

  public static final String KIND = "DestinationRule";

  /**
   * A rule as read.
   *
   * @param host the host as written: a Service's fqdn, or a short name in the rule's namespace
   */
  public record DestinationRule(
      NamespacedName key,
      String host,
      TrafficPolicy policy,
      Instant created,
      io.telmesh.model.ExportTo exportTo) {}

  private DestinationRuleReader() {}

  public static boolean isDestinationRule(GenericKubernetesResource resource) {
    return IstioObject.is(resource, KIND);
  }

  public static Optional<DestinationRule> read(
      GenericKubernetesResource resource, ProblemSink problems) {
    Optional<IstioObject> object = IstioObject.of(resource, KIND, problems);
    if (object.isEmpty()) {
      return Optional.empty();
    }
    NamespacedName key = object.get().key();
    Fields fields = new Fields(object.get(), problems);
    JsonNode spec = object.get().spec();
    JsonNode hostNode = spec.path("host");
    if (!hostNode.isString() || hostNode.stringValue().isEmpty()) {
      problems.add(fields.object().ref(), "spec.host", "a host is required: the rule is ignored");
      return Optional.empty();
    }
    String host = hostNode.stringValue();
    if (host.contains("*")) {
      problems.add(
          fields.object().ref(),
          "spec.host",
          "wildcard hosts are not applied yet (" + NetworkStatusParser.printable(host) + ")");
      return Optional.empty();
    }
    if (!Syntax.isDnsSubdomain(host)) {
      problems.add(
          fields.object().ref(),
          "spec.host",
          "\""
              + NetworkStatusParser.printable(host)
              + "\" is not a host name: the rule is ignored");
      return Optional.empty();
    }
    io.telmesh.model.ExportTo exportTo = object.get().exportTo(problems);
    JsonNode topNode = spec.path("trafficPolicy");
    TrafficPolicy top = withPorts(key, fields, topNode, "spec.trafficPolicy");
    List<TrafficPolicy.Subset> subsets = subsets(key, fields, spec.path("subsets"), top);
    return Optional.of(
        new DestinationRule(
            key, host, withSubsets(top, subsets), object.get().created(), exportTo));
  }

  /**
   * {@code subsets}, as Istio validates them: a DNS-1123 label for a name, once each, and valid
   * label selectors. A subset's own trafficPolicy replaces the rule's load balancer, connection
   * pool or outlier detection group by group, as Istio merges them.
   */
  private static List<TrafficPolicy.Subset> subsets(
      NamespacedName key, Fields fields, JsonNode subsets, TrafficPolicy top) {
    if (subsets.isMissingNode() || subsets.isNull()) {
      return List.of();
    }
    if (!subsets.isArray()) {
      fields.problem("spec.subsets", "is not a list: left out");
      return List.of();
    }
    List<TrafficPolicy.Subset> result = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < subsets.size(); i++) {
      String path = "spec.subsets[" + i + "]";
      JsonNode subset = subsets.get(i);
      String name = subset.path("name").asString("");
      if (!Syntax.isDnsLabel(name)) {
        fields.problem(
            path + ".name",
            "\""
                + NetworkStatusParser.printable(name)
                + "\" is not a DNS-1123 label: subset left out");
        continue;
      }
      if (!names.add(name)) {
        fields.problem(path + ".name", "subset " + name + " is defined twice: the first is used");
        continue;
      }
      Optional<SortedMap<String, String>> labels =
          IstioObject.labels(
              fields.object().ref(),
              subset.path("labels"),
              path + ".labels",
              "subset left out",
              fields.problems());
      if (labels.isEmpty()) {
        continue;
      }
      JsonNode own = subset.path("trafficPolicy");
      TrafficPolicy policy =
          own.isObject() ? subsetPolicy(key, fields, own, path + ".trafficPolicy", top) : top;
      result.add(new TrafficPolicy.Subset(name, labels.get(), withSubsets(policy, List.of())));
    }
    return result;
  }

  private static TrafficPolicy withPorts(
      NamespacedName key, Fields fields, JsonNode node, String path) {
    TrafficPolicy policy = policy(key, fields, node, path);
    Map<Integer, TrafficPolicy> ports = new TreeMap<>();
    portSettings(key, fields, node, path)
        .forEach(
            (port, setting) -> ports.put(port, merge(policy, setting.parsed(), setting.node())));
    return with(policy, policy.subsets(), ports);
  }

  /** One {@code portLevelSettings} entry, read but not merged yet. */
  private record PortSetting(TrafficPolicy parsed, JsonNode node) {}

  /**
   * {@code portLevelSettings}: each entry names one port and replaces the policy's groups it sets
   * for that port only, as Istio merges them; an entry without a valid port, or for a port named
   * twice, is a problem and left out.
   */
  private static Map<Integer, PortSetting> portSettings(
      NamespacedName key, Fields fields, JsonNode node, String path) {
    JsonNode settings = node.path("portLevelSettings");
    Map<Integer, PortSetting> ports = new TreeMap<>();
    if (!settings.isArray()) {
      return ports;
    }
    for (int i = 0; i < settings.size(); i++) {
      String at = path + ".portLevelSettings[" + i + "]";
      JsonNode setting = settings.get(i);
      JsonNode number = setting.path("port").path("number");
      if (!number.isIntegralNumber() || !Syntax.isPort(number.longValue())) {
        fields.problem(at + ".port.number", "a port number 1-65535 is required: entry left out");
        continue;
      }
      int port = number.intValue();
      if (ports.containsKey(port)) {
        fields.problem(at + ".port.number", "port " + port + " is set twice: the first is used");
        continue;
      }
      ports.put(port, new PortSetting(policy(key, fields, setting, at), setting));
    }
    return ports;
  }

  /**
   * A subset's policy as Istio merges it, per port: the rule's policy for the port (its port-level
   * settings applied), then the groups the subset sets, then the subset's own port-level settings.
   */
  private static TrafficPolicy subsetPolicy(
      NamespacedName key, Fields fields, JsonNode own, String path, TrafficPolicy top) {
    TrafficPolicy parsed = policy(key, fields, own, path);
    Map<Integer, PortSetting> settings = portSettings(key, fields, own, path);
    java.util.Set<Integer> ports = new java.util.TreeSet<>(top.portLevel().keySet());
    ports.addAll(settings.keySet());
    Map<Integer, TrafficPolicy> byPort = new TreeMap<>();
    for (int port : ports) {
      TrafficPolicy merged = merge(top.forPort(port), parsed, own);
      PortSetting setting = settings.get(port);
      byPort.put(port, setting == null ? merged : merge(merged, setting.parsed(), setting.node()));
    }
    return with(merge(top, parsed, own), List.of(), byPort);
  }

  private static TrafficPolicy with(
      TrafficPolicy policy,
      List<TrafficPolicy.Subset> subsets,
      Map<Integer, TrafficPolicy> portLevel) {
    return new TrafficPolicy(
        policy.rule(),
        policy.loadBalancer(),
        policy.consistentHash(),
        policy.maxConnections(),
        policy.connectTimeout(),
        policy.tcpIdleTimeout(),
        policy.http1MaxPendingRequests(),
        policy.http2MaxRequests(),
        policy.maxRequestsPerConnection(),
        policy.maxRetries(),
        policy.httpIdleTimeout(),
        policy.outlierDetection(),
        policy.tls(),
        subsets,
        portLevel);
  }

  /** Istio's merge: each group the subset sets replaces the rule's whole group. */
  private static TrafficPolicy merge(TrafficPolicy rule, TrafficPolicy subset, JsonNode own) {
    TrafficPolicy lb = own.has("loadBalancer") ? subset : rule;
    TrafficPolicy pool = own.has("connectionPool") ? subset : rule;
    TrafficPolicy outlier = own.has("outlierDetection") ? subset : rule;
    // A tls the subset sets but that was refused is left out, as if unwritten: the rule's applies.
    TrafficPolicy tls = subset.tls().isPresent() ? subset : rule;
    return new TrafficPolicy(
        rule.rule(),
        lb.loadBalancer(),
        lb.consistentHash(),
        pool.maxConnections(),
        pool.connectTimeout(),
        pool.tcpIdleTimeout(),
        pool.http1MaxPendingRequests(),
        pool.http2MaxRequests(),
        pool.maxRequestsPerConnection(),
        pool.maxRetries(),
        pool.httpIdleTimeout(),
        outlier.outlierDetection(),
        tls.tls(),
        List.of(),
        Map.of());
  }

  private static TrafficPolicy withSubsets(
      TrafficPolicy policy, List<TrafficPolicy.Subset> subsets) {
    return with(policy, subsets, policy.portLevel());
  }

  private static TrafficPolicy policy(
      NamespacedName key, Fields fields, JsonNode policy, String path) {
    Optional<TrafficPolicy.ClientTls> tls = tls(fields, policy.path("tls"), path + ".tls");
    JsonNode lb = policy.path("loadBalancer");
    Optional<TrafficPolicy.LoadBalancer> balancer = Optional.empty();
    Optional<TrafficPolicy.ConsistentHash> consistentHash = Optional.empty();
    if (lb.isObject()) {
      if (lb.has("simple") && lb.has("consistentHash")) {
        // Istio's oneof: the rule would not even parse, so neither choice is taken over the other.
        fields.problem(
            path + ".loadBalancer",
            "sets both simple and consistentHash, one of which Istio allows: both left out");
      } else if (lb.has("consistentHash")) {
        consistentHash =
            ConsistentHashReader.read(
                fields.object(),
                lb.path("consistentHash"),
                path + ".loadBalancer.consistentHash",
                fields.problems());
      } else if (lb.has("simple")) {
        String simple = lb.path("simple").asString("");
        try {
          balancer =
              Optional.of(
                  TrafficPolicy.LoadBalancer.valueOf(
                      simple.equals("UNSPECIFIED") ? "LEAST_REQUEST" : simple));
        } catch (IllegalArgumentException e) {
          fields.problem(
              path + ".loadBalancer.simple",
              "\""
                  + NetworkStatusParser.printable(simple)
                  + "\" is not ROUND_ROBIN, LEAST_REQUEST, RANDOM or PASSTHROUGH");
        }
      }
    }
    String tcp = path + ".connectionPool.tcp";
    String http = path + ".connectionPool.http";
    JsonNode pool = policy.path("connectionPool");
    String outlier = path + ".outlierDetection";
    JsonNode detection = policy.path("outlierDetection");
    Optional<TrafficPolicy.OutlierDetection> outlierDetection =
        detection.isObject()
            ? Optional.of(
                new TrafficPolicy.OutlierDetection(
                    fields.count(detection, "consecutive5xxErrors", outlier),
                    fields.count(detection, "consecutiveGatewayErrors", outlier),
                    fields.duration(detection, "interval", outlier),
                    fields.duration(detection, "baseEjectionTime", outlier),
                    fields.percent(detection, "maxEjectionPercent", outlier)))
            : Optional.empty();
    return new TrafficPolicy(
        key,
        balancer,
        consistentHash,
        fields.count(pool.path("tcp"), "maxConnections", tcp),
        fields.duration(pool.path("tcp"), "connectTimeout", tcp),
        fields.duration(pool.path("tcp"), "idleTimeout", tcp),
        fields.count(pool.path("http"), "http1MaxPendingRequests", http),
        fields.count(pool.path("http"), "http2MaxRequests", http),
        fields.count(pool.path("http"), "maxRequestsPerConnection", http),
        fields.count(pool.path("http"), "maxRetries", http),
        fields.duration(pool.path("http"), "idleTimeout", http),
        outlierDetection,
        tls,
        List.of(),
        Map.of());
  }

  private static final java.util.Set<String> TLS_MODES =
      java.util.Set.of("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL");

  /**
   * {@code tls}: DISABLE, and ISTIO_MUTUAL with the workload certificates telmesh's CA issues to
   * each sidecar's agent. SIMPLE and MUTUAL need certificate files or a credential Secret served
   * over SDS, which telmesh does not serve, so they are said aloud rather than silently leaving the
   * traffic in plaintext.
   */
  private static Optional<TrafficPolicy.ClientTls> tls(Fields fields, JsonNode tls, String path) {
    if (tls.isMissingNode() || tls.isNull()) {
      return Optional.empty();
    }
    if (!tls.isObject()) {
      fields.problem(path, "is not an object: left out");
      return Optional.empty();
    }
    JsonNode modeNode = tls.path("mode");
    String mode = modeNode.isMissingNode() ? "DISABLE" : modeNode.asString("");
    if (!TLS_MODES.contains(mode)) {
      fields.problem(
          path + ".mode",
          "\""
              + NetworkStatusParser.printable(mode)
              + "\" is not DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL: left out");
      return Optional.empty();
    }
    if (mode.equals("SIMPLE") || mode.equals("MUTUAL")) {
      fields.problem(
          path + ".mode",
          "tls mode "
              + mode
              + " is not applied: it needs certificate files or a credentialName Secret, which"
              + " telmesh does not serve; traffic stays plaintext (ISTIO_MUTUAL is applied)");
      return Optional.empty();
    }
    if (mode.equals("DISABLE")) {
      return Optional.of(
          new TrafficPolicy.ClientTls(TrafficPolicy.TlsMode.DISABLE, Optional.empty(), List.of()));
    }
    // As Istio's validation: the mesh's own certificates are the whole point of ISTIO_MUTUAL.
    boolean refused = false;
    for (String field :
        List.of("clientCertificate", "privateKey", "caCertificates", "credentialName")) {
      if (tls.hasNonNull(field) && !tls.path(field).asString("").isEmpty()) {
        fields.problem(
            path + "." + field,
            "cannot be set with ISTIO_MUTUAL, whose certificates are the mesh's: tls left out");
        refused = true;
      }
    }
    if (tls.path("insecureSkipVerify").asBoolean(false)) {
      fields.problem(
          path + ".insecureSkipVerify",
          "is not applied with ISTIO_MUTUAL: the server's certificate is always verified");
    }
    Optional<String> sni = Optional.empty();
    JsonNode sniNode = tls.path("sni");
    if (!sniNode.isMissingNode() && !sniNode.isNull()) {
      String value = sniNode.asString("");
      // Envoy's UpstreamTlsContext.sni: at most 255 bytes.
      if (!sniNode.isString() || value.isEmpty() || value.length() > 255 || !isPrintable(value)) {
        fields.problem(
            path + ".sni",
            "\""
                + NetworkStatusParser.printable(value)
                + "\" is not a server name of 1-255 printable characters: tls left out");
        refused = true;
      } else {
        sni = Optional.of(value);
      }
    }
    List<String> names = new ArrayList<>();
    JsonNode sans = tls.path("subjectAltNames");
    if (!sans.isMissingNode() && !sans.isNull()) {
      if (!sans.isArray()) {
        fields.problem(path + ".subjectAltNames", "is not a list: tls left out");
        refused = true;
      } else {
        for (int i = 0; i < sans.size(); i++) {
          String name = sans.get(i).asString("");
          if (!sans.get(i).isString() || name.isEmpty() || !isPrintable(name)) {
            fields.problem(
                path + ".subjectAltNames[" + i + "]",
                "\""
                    + NetworkStatusParser.printable(name)
                    + "\" is not a subject alternative name: tls left out");
            refused = true;
          } else {
            names.add(name);
          }
        }
      }
    }
    if (refused) {
      return Optional.empty();
    }
    return Optional.of(new TrafficPolicy.ClientTls(TrafficPolicy.TlsMode.ISTIO_MUTUAL, sni, names));
  }

  private static boolean isPrintable(String value) {
    return value.chars().allMatch(c -> c > 0x20 && c < 0x7f);
  }

  /** Reads typed fields, reporting each bad one with its path. */
  private record Fields(IstioObject object, ProblemSink problems) {

    void problem(String field, String reason) {
      problems.add(object.ref(), field, reason);
    }

    /** A non-negative 32-bit count, as Istio's Int32Value and UInt32Value limits. */
    OptionalInt count(JsonNode parent, String field, String path) {
      JsonNode value = parent.path(field);
      if (value.isMissingNode() || value.isNull()) {
        return OptionalInt.empty();
      }
      if (!value.isIntegralNumber() || !value.canConvertToInt()) {
        problem(path + "." + field, "is not a whole number up to 2147483647: left out");
        return OptionalInt.empty();
      }
      if (value.intValue() < 0) {
        problem(path + "." + field, "must not be negative: left out");
        return OptionalInt.empty();
      }
      return OptionalInt.of(value.intValue());
    }

    OptionalInt percent(JsonNode parent, String field, String path) {
      OptionalInt value = count(parent, field, path);
      if (value.isPresent() && value.getAsInt() > 100) {
        problem(path + "." + field, "must be between 0 and 100: left out");
        return OptionalInt.empty();
      }
      return value;
    }

    Optional<Duration> duration(JsonNode parent, String field, String path) {
      return object.duration(parent.path(field), path + "." + field, problems);
    }
  }
}
