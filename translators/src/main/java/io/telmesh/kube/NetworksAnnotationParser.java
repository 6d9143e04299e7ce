package io.telmesh.kube;

import com.google.common.base.Splitter;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkSelection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Reads the pod's {@code k8s.v1.cni.cncf.io/networks} request in both of its forms: a comma list of
 * {@code [ns/]nad[@ifname]}, or a JSON list of selection objects.
 */
public final class NetworksAnnotationParser {

  private NetworksAnnotationParser() {}

  /**
   * Reads the networks a pod asks for, in either of the annotation's forms (comma list or JSON).
   *
   * @throws IllegalArgumentException naming the first entry that is invalid
   */
  public static List<NetworkSelection> parse(String annotation, String podNamespace) {
    String value = annotation.strip();
    if (value.isEmpty()) {
      return List.of();
    }
    if (value.contains("[") || value.contains("{") || value.contains("\"")) {
      return parseJson(value, podNamespace);
    }
    List<NetworkSelection> selections = new ArrayList<>();
    for (String entry : Splitter.on(',').trimResults().omitEmptyStrings().split(value)) {
      String reference = entry;
      Optional<String> interfaceName = Optional.empty();
      int at = entry.indexOf('@');
      if (at >= 0) {
        reference = entry.substring(0, at);
        interfaceName = Optional.of(entry.substring(at + 1));
      }
      selections.add(selection(reference, interfaceName, podNamespace, entry));
    }
    return List.copyOf(selections);
  }

  private static List<NetworkSelection> parseJson(String value, String podNamespace) {
    JsonNode root;
    try {
      root = Json.parse(value);
    } catch (Json.MalformedJson e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
    if (!root.isArray()) {
      throw new IllegalArgumentException("expected a JSON list of network selections");
    }
    List<NetworkSelection> selections = new ArrayList<>();
    int index = 0;
    for (JsonNode entry : root.values()) {
      String where = "entry " + index++;
      if (!entry.isObject()) {
        throw new IllegalArgumentException(where + " is not an object");
      }
      String name =
          Json.string(entry, "name")
              .orElseThrow(() -> new IllegalArgumentException(where + " has no \"name\""));
      String namespace = Json.string(entry, "namespace").orElse("");
      Optional<String> interfaceName =
          Json.string(entry, "interface").or(() -> Json.string(entry, "interfaceRequest"));
      String reference = namespace.isEmpty() ? name : namespace + "/" + name;
      selections.add(selection(reference, interfaceName, podNamespace, where));
    }
    return List.copyOf(selections);
  }

  private static NetworkSelection selection(
      String reference, Optional<String> interfaceName, String podNamespace, String where) {
    String[] parts = reference.strip().split("/", -1);
    if (parts.length > 2) {
      throw new IllegalArgumentException(
          "'" + NetworkStatusParser.printable(where) + "': too many '/'");
    }
    String namespace = parts.length == 2 ? parts[0] : podNamespace;
    String name = parts[parts.length - 1];
    if (!Syntax.isDnsLabel(namespace) || !Syntax.isDnsLabel(name)) {
      throw new IllegalArgumentException(
          "'"
              + NetworkStatusParser.printable(where)
              + "': namespace and network must be DNS-1123 labels");
    }
    if (interfaceName.isPresent() && !Syntax.isInterfaceName(interfaceName.get())) {
      throw new IllegalArgumentException(
          "'" + NetworkStatusParser.printable(where) + "': invalid interface name");
    }
    return new NetworkSelection(new NamespacedName(namespace, name), interfaceName);
  }
}
