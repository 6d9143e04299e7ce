package io.telmesh.translate;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.telmesh.envoy.ConfigDumps;
import io.telmesh.envoy.ConfigDumps.Entry;
import io.telmesh.envoy.ConfigDumps.Kind;
import io.telmesh.envoy.ResourceVersions;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
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
            case ENDPOINTS -> ConfigDumps.endpoints(subscribedEndpoints(resources));
          });
    }
    return ConfigDumps.of(dumps);
  }

  private static <T extends Message> List<Entry> entries(ResourceSet<T> set) {
    return set.byName().entrySet().stream()
        .map(e -> Entry.of(e.getKey(), e.getValue(), ResourceVersions.of(e.getValue())))
        .toList();
  }

  /** The version the server sends a whole type at ({@link ResourceVersions#ofSegments}). */
  public static <T extends Message> String setVersion(ResourceSet<T> set) {
    List<String> digests = new ArrayList<>();
    for (ResourceSegment<T> segment : set.segments()) {
      SortedMap<String, String> versions = new TreeMap<>();
      segment
          .byName()
          .forEach((name, resource) -> versions.put(name, ResourceVersions.of(resource)));
      digests.add(ResourceVersions.ofSet(versions));
    }
    return ResourceVersions.ofSegments(digests);
  }

  /**
   * The ClusterLoadAssignments a sidecar asks for: those its EDS clusters name. The translation
   * holds others (a headless Service's, for proxyless clients) that an Envoy never subscribes to,
   * so the server never sends them to it.
   */
  private static List<Entry> subscribedEndpoints(ProxyResources resources) {
    java.util.Set<String> wanted = new java.util.HashSet<>();
    resources
        .clusters()
        .byName()
        .forEach(
            (name, cluster) -> {
              if (cluster.getType() == Cluster.DiscoveryType.EDS) {
                String service = cluster.getEdsClusterConfig().getServiceName();
                wanted.add(service.isEmpty() ? name : service);
              }
            });
    return entries(resources.endpoints()).stream().filter(e -> wanted.contains(e.name())).toList();
  }
}
