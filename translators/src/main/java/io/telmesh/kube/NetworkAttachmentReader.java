package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkAttachment;
import io.telmesh.model.ObjectRef;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * NetworkAttachmentDefinition (a generic resource; its {@code spec.config} is a string of CNI JSON)
 * to a {@link NetworkAttachment}. A malformed config is a problem; the NAD still exists.
 */
public final class NetworkAttachmentReader {

  private NetworkAttachmentReader() {}

  public static Optional<NetworkAttachment> read(
      GenericKubernetesResource resource, ProblemSink problems) {
    Optional<ObjectMeta> maybeMeta = Meta.of(resource);
    if (maybeMeta.isEmpty()) {
      return Optional.empty();
    }
    ObjectMeta meta = maybeMeta.get();
    NamespacedName key = new NamespacedName(Meta.namespace(meta), meta.getName());
    ObjectRef ref = new ObjectRef(KubeObjects.NAD_KIND, key.namespace(), key.name());
    Optional<String> resourceName =
        Optional.ofNullable(Meta.annotations(meta).get(Annotations.NAD_RESOURCE_NAME));

    Object spec = Meta.spec(resource);
    Object config = spec instanceof Map<?, ?> map ? map.get("config") : null;
    if (!(config instanceof String text) || text.isBlank()) {
      if (resourceName.isEmpty()) {
        problems.add(ref, "spec.config", "no CNI config string");
      }
      return Optional.of(new NetworkAttachment(key, "", Optional.empty(), resourceName));
    }
    JsonNode cni;
    try {
      cni = Json.parse(text);
    } catch (Json.MalformedJson e) {
      problems.add(ref, "spec.config", "malformed CNI JSON: " + e.getMessage());
      return Optional.of(new NetworkAttachment(key, "", Optional.empty(), resourceName));
    }
    if (!cni.isObject()) {
      problems.add(ref, "spec.config", "CNI config is not a JSON object");
      return Optional.of(new NetworkAttachment(key, "", Optional.empty(), resourceName));
    }
    String type = Json.string(cni, "type").orElseGet(() -> firstPluginType(cni));
    Optional<String> range = Optional.empty();
    JsonNode ipam = cni.get("ipam");
    if (ipam != null && ipam.isObject()) {
      range = Json.string(ipam, "range").or(() -> Json.string(ipam, "subnet"));
      if (range.isPresent() && Cidr.parse(range.get()).isEmpty()) {
        problems.add(
            ref,
            "spec.config.ipam.range",
            "'" + NetworkStatusParser.printable(range.get()) + "' is not a CIDR, ignored");
        range = Optional.empty();
      }
    }
    return Optional.of(new NetworkAttachment(key, type, range.flatMap(Cidr::parse), resourceName));
  }

  /** A conflist names its plugins under {@code plugins}; the first one carries the network. */
  private static String firstPluginType(JsonNode cni) {
    JsonNode plugins = cni.get("plugins");
    if (plugins != null && plugins.isArray() && !plugins.isEmpty() && plugins.get(0).isObject()) {
      return Json.string(plugins.get(0), "type").orElse("");
    }
    return "";
  }
}
