package io.telmesh.kube;

import io.telmesh.model.IpAddress;
import io.telmesh.model.PodInterface;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads Multus' {@code network-status} annotation tolerantly: secondary names as {@code ns/nad} or
 * bare {@code nad}, a default entry under any name and possibly without {@code interface},
 * addresses with or without a prefix, entries without an interface or addresses (devices owned by
 * the application) skipped with a note.
 */
public final class NetworkStatusParser {

  /** The interfaces found, and a note for each entry that was skipped or corrected. */
  public record Result(List<PodInterface> interfaces, List<String> notes) {}

  private NetworkStatusParser() {}

  /**
   * Reads Multus's network-status annotation of a pod in {@code podNamespace}.
   *
   * @throws IllegalArgumentException when the annotation is not a JSON list of objects
   */
  public static Result parse(String annotation, String podNamespace) {
    JsonNode root;
    try {
      root = Json.parse(annotation);
    } catch (Json.MalformedJson e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage(), e);
    }
    if (!root.isArray()) {
      throw new IllegalArgumentException("expected a JSON list of network status entries");
    }
    List<PodInterface> interfaces = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    int index = 0;
    for (JsonNode entry : root.values()) {
      String where = "entry " + index++;
      if (!entry.isObject()) {
        notes.add(where + ": not an object, skipped");
        continue;
      }
      readEntry(entry, where, podNamespace, notes)
          .ifPresent(
              found -> {
                if (seen.add(found.name())) {
                  interfaces.add(found);
                } else {
                  notes.add(
                      where + ": interface " + found.name() + " listed twice, later entry skipped");
                }
              });
    }
    return new Result(List.copyOf(interfaces), List.copyOf(notes));
  }

  private static Optional<PodInterface> readEntry(
      JsonNode entry, String where, String podNamespace, List<String> notes) {
    boolean isDefault = Json.bool(entry, "default");
    String name = Json.string(entry, "name").orElse("").strip();
    Optional<String> declaredInterface =
        Json.string(entry, "interface").map(String::strip).filter(s -> !s.isEmpty());
    String label = where + (name.isEmpty() ? "" : " (" + name + ")");

    String interfaceName;
    if (declaredInterface.isPresent()) {
      interfaceName = declaredInterface.get();
    } else if (isDefault) {
      interfaceName = PodInterface.DEFAULT_INTERFACE;
    } else {
      notes.add(label + ": no interface (a device owned by the application), no listener built");
      return Optional.empty();
    }
    if (!Syntax.isInterfaceName(interfaceName)) {
      notes.add(label + ": invalid interface name '" + printable(interfaceName) + "', skipped");
      return Optional.empty();
    }

    List<IpAddress> ips = new ArrayList<>();
    JsonNode ipList = entry.get("ips");
    if (ipList != null && ipList.isArray()) {
      for (JsonNode ip : ipList.values()) {
        Optional<IpAddress> parsed =
            ip.isString() ? IpAddress.parse(ip.stringValue()) : Optional.empty();
        if (parsed.isPresent()) {
          ips.add(parsed.get());
        } else {
          notes.add(label + ": invalid address '" + printable(ip.toString()) + "' ignored");
        }
      }
    }
    if (ips.isEmpty()) {
      notes.add(
          label
              + ": interface "
              + interfaceName
              + " has no addresses (no kernel traffic), no listener built");
      return Optional.empty();
    }

    String network;
    if (isDefault) {
      network = PodInterface.DEFAULT_NETWORK;
    } else if (name.isEmpty()) {
      notes.add(label + ": secondary interface " + interfaceName + " has no network name, skipped");
      return Optional.empty();
    } else {
      network = qualify(name, podNamespace);
    }
    return Optional.of(
        new PodInterface(
            interfaceName, network, ips.stream().sorted().distinct().toList(), isDefault));
  }

  /** {@code nad} means the pod's namespace; {@code ns/nad} is kept. */
  static String qualify(String networkName, String podNamespace) {
    return networkName.contains("/") ? networkName : podNamespace + "/" + networkName;
  }

  static String printable(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 64 ? clean.substring(0, 64) + "…" : clean;
  }
}
