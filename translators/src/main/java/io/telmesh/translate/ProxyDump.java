package io.telmesh.translate;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.telmesh.envoy.ConfigDumps;
import io.telmesh.envoy.ConfigDumps.Entry;
import io.telmesh.envoy.ConfigDumps.Kind;
import io.telmesh.envoy.ResourceVersions;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A proxy's translated resources as an Envoy admin config dump, with the content-derived versions
 * the server would send them at. Nothing was sent, so there are no update times.
 */
public final class ProxyDump {

  private ProxyDump() {}

  public static ConfigDump of(ProxyResources resources, Set<Kind> kinds) {
    List<Message> dumps = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      if (!kinds.contains(kind)) {
        continue;
      }
      dumps.add(
          switch (kind) {
            case LISTENERS ->
                ConfigDumps.listeners(
                    setVersion(resources.listeners()), entries(resources.listeners()));
            case CLUSTERS ->
                ConfigDumps.clusters(
                    setVersion(resources.clusters()), entries(resources.clusters()));
            case ROUTES -> ConfigDumps.routes(entries(resources.routes()));
            case ENDPOINTS -> ConfigDumps.endpoints(entries(resources.endpoints()));
          });
    }
    return ConfigDumps.of(dumps);
  }

  private static <T extends Message> List<Entry> entries(ResourceSet<T> set) {
    return set.byName().entrySet().stream()
        .map(e -> Entry.of(e.getKey(), e.getValue(), ResourceVersions.of(e.getValue())))
        .toList();
  }

  /** The version a whole type is sent at: a hash of every resource's name and version. */
  public static <T extends Message> String setVersion(ResourceSet<T> set) {
    SortedMap<String, String> versions = new TreeMap<>();
    set.byName().forEach((name, resource) -> versions.put(name, ResourceVersions.of(resource)));
    return ResourceVersions.ofSet(versions);
  }
}
