package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.SidecarConfig;
import io.telmesh.model.SidecarConfig.EgressHost;
import io.telmesh.model.SidecarConfig.EgressListener;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import tools.jackson.databind.JsonNode;

/**
 * A {@code networking.istio.io} Sidecar to the {@link SidecarConfig} telmesh applies, validated by
 * Istio's rules ({@code ValidateSidecar}): hosts are {@code namespace/host} with {@code *}, {@code
 * .} or {@code ~} or a name before the slash and {@code *}, {@code *.suffix} or a host name after
 * it; egress ports are unique and at most one egress listener has no port, the last. What Istio
 * refuses is a problem naming the field, left out; what telmesh does not apply ({@code ingress},
 * {@code bind}, {@code captureMode}, {@code egressProxy}, {@code inboundConnectionPool}) is a
 * problem too, never silently ignored.
 */
public final class SidecarReader {

  public static final String KIND = "Sidecar";

  /** Istio's longest host name; anything longer is hostile, not a typo. */
  private static final int MAX_HOST = 255;

  private SidecarReader() {}

  public static boolean isSidecar(GenericKubernetesResource resource) {
    return IstioObject.is(resource, KIND);
  }

  public static Optional<SidecarConfig> read(
      GenericKubernetesResource resource, ProblemSink problems) {
    Optional<IstioObject> object = IstioObject.of(resource, KIND, problems);
    if (object.isEmpty()) {
      return Optional.empty();
    }
    ObjectRef ref = object.get().ref();
    JsonNode spec = object.get().spec();
    Optional<Optional<SortedMap<String, String>>> selector =
        selector(ref, spec.path("workloadSelector"), problems);
    if (selector.isEmpty()) {
      return Optional.empty();
    }
    if (spec.path("egress").isMissingNode()
        && spec.path("ingress").isMissingNode()
        && spec.path("outboundTrafficPolicy").isMissingNode()
        && spec.path("inboundConnectionPool").isMissingNode()) {
      problems.add(ref, "spec", "empty configuration (Istio refuses it): the Sidecar is ignored");
      return Optional.empty();
    }
    for (String unapplied : List.of("ingress", "inboundConnectionPool")) {
      if (!spec.path(unapplied).isMissingNode()) {
        problems.add(
            ref,
            "spec." + unapplied,
            "not applied: a pod's inbound listeners follow the Services that select it");
      }
    }
    List<EgressListener> egress = egress(ref, spec.path("egress"), problems);
    Optional<OutboundTrafficPolicy> policy =
        outboundPolicy(ref, spec.path("outboundTrafficPolicy"), problems);
    if (egress.isEmpty()) {
      // Istio's default egress: every Service of the mesh.
      egress = List.of(new EgressListener(OptionalInt.empty(), List.of(new EgressHost("*", "*"))));
    }
    return Optional.of(
        new SidecarConfig(
            object.get().key(), object.get().created(), selector.get(), egress, policy));
  }

  /**
   * {@code workloadSelector.labels}: empty when absent or without labels (Istio then applies the
   * Sidecar to the whole namespace, and warns); no value at all when a label is one Istio refuses,
   * since applying such a Sidecar namespace-wide would reach pods it was never meant for.
   */
  private static Optional<Optional<SortedMap<String, String>>> selector(
      ObjectRef ref, JsonNode node, ProblemSink problems) {
    if (node.isMissingNode() || node.isNull()) {
      return Optional.of(Optional.empty());
    }
    JsonNode labels = node.path("labels");
    if (!labels.isObject() || labels.isEmpty()) {
      problems.add(
          ref,
          "spec.workloadSelector.labels",
          "no labels: applied to every pod of the namespace, as Istio does");
      return Optional.of(Optional.empty());
    }
    Optional<java.util.SortedMap<String, String>> parsed =
        IstioObject.labels(
            ref, labels, "spec.workloadSelector.labels", "the Sidecar is ignored", problems);
    // The outer value says whether the Sidecar is kept, the inner one what it selects.
    return parsed.isEmpty() ? Optional.empty() : Optional.of(Optional.of(parsed.get()));
  }

  private static List<EgressListener> egress(ObjectRef ref, JsonNode node, ProblemSink problems) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      problems.add(ref, "spec.egress", "is not a list: every Service stays visible");
      return List.of();
    }
    List<EgressListener> result = new ArrayList<>();
    Set<Integer> ports = new HashSet<>();
    boolean portless = false;
    for (int i = 0; i < node.size(); i++) {
      String path = "spec.egress[" + i + "]";
      JsonNode entry = node.get(i);
      OptionalInt port = OptionalInt.empty();
      if (entry.path("port").isMissingNode() || entry.path("port").isNull()) {
        if (portless) {
          problems.add(
              ref, path, "only one egress listener may have no port (Istio's rule): left out");
          continue;
        }
        portless = true;
        if (i != node.size() - 1) {
          problems.add(
              ref,
              path,
              "the egress listener without a port should be the last one (Istio's rule); applied");
        }
      } else {
        JsonNode number = entry.path("port").path("number");
        if (!number.canConvertToInt() || !Syntax.isPort(number.asInt())) {
          problems.add(
              ref,
              path + ".port.number",
              "a port 1-65535 is required (Unix domain sockets are not applied): left out");
          continue;
        }
        if (!ports.add(number.asInt())) {
          problems.add(
              ref, path + ".port.number", "port " + number.asInt() + " is used twice: left out");
          continue;
        }
        port = OptionalInt.of(number.asInt());
      }
      for (String unapplied : List.of("bind", "captureMode")) {
        if (entry.has(unapplied)) {
          problems.add(
              ref,
              path + "." + unapplied,
              "not applied: the sidecar's outbound listeners stay where capture sends them");
        }
      }
      List<EgressHost> hosts = hosts(ref, entry.path("hosts"), path + ".hosts", problems);
      if (hosts.isEmpty()) {
        problems.add(ref, path + ".hosts", "no valid host: the egress listener is left out");
        continue;
      }
      result.add(new EgressListener(port, hosts));
    }
    if (result.isEmpty()) {
      problems.add(
          ref, "spec.egress", "no egress listener telmesh can apply: every Service stays visible");
    }
    return result;
  }

  private static List<EgressHost> hosts(
      ObjectRef ref, JsonNode node, String path, ProblemSink problems) {
    List<EgressHost> hosts = new ArrayList<>();
    for (int h = 0; h < node.size(); h++) {
      String text = node.get(h).asString("");
      Optional<EgressHost> host = host(text);
      if (host.isEmpty()) {
        problems.add(
            ref,
            path + "[" + h + "]",
            "\""
                + NetworkStatusParser.printable(text)
                + "\" is not namespace/host with a namespace name, *, . or ~ and a host name,"
                + " * or *.suffix: left out");
        continue;
      }
      hosts.add(host.get());
    }
    return hosts;
  }

  /** Istio's {@code ValidateNamespaceSlashWildcardHostname}, as far as Sidecars use it. */
  static Optional<EgressHost> host(String text) {
    int slash = text.indexOf('/');
    if (slash < 0 || text.length() > MAX_HOST + 64) {
      return Optional.empty();
    }
    String namespace = text.substring(0, slash);
    String host = text.substring(slash + 1);
    boolean namespaceValid =
        namespace.equals(EgressHost.ANY)
            || namespace.equals(EgressHost.OWN)
            || namespace.equals(EgressHost.NONE)
            || Syntax.isDnsLabel(namespace);
    return namespaceValid && wildcardHost(host)
        ? Optional.of(new EgressHost(namespace, host))
        : Optional.empty();
  }

  private static boolean wildcardHost(String host) {
    if (host.equals(EgressHost.ANY)) {
      return true;
    }
    String name = host.startsWith("*.") ? host.substring(2) : host;
    return name.length() <= MAX_HOST && Syntax.isDnsSubdomain(name);
  }

  /**
   * {@code outboundTrafficPolicy.mode}. Istio's enum has {@code REGISTRY_ONLY} as its zero value,
   * so a policy object without a mode means it; {@code egressProxy} is not applied.
   */
  private static Optional<OutboundTrafficPolicy> outboundPolicy(
      ObjectRef ref, JsonNode node, ProblemSink problems) {
    if (node.isMissingNode() || node.isNull()) {
      return Optional.empty();
    }
    if (node.has("egressProxy")) {
      problems.add(
          ref,
          "spec.outboundTrafficPolicy.egressProxy",
          "not applied: unknown destinations pass through directly");
    }
    String mode = node.path("mode").asString("REGISTRY_ONLY");
    return switch (mode) {
      case "REGISTRY_ONLY" -> Optional.of(OutboundTrafficPolicy.REGISTRY_ONLY);
      case "ALLOW_ANY" -> Optional.of(OutboundTrafficPolicy.ALLOW_ANY);
      default -> {
        problems.add(
            ref,
            "spec.outboundTrafficPolicy.mode",
            "\""
                + NetworkStatusParser.printable(mode)
                + "\" is neither REGISTRY_ONLY nor ALLOW_ANY: the mesh default applies");
        yield Optional.empty();
      }
    };
  }
}
