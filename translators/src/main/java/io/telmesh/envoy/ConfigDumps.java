package io.telmesh.envoy;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Optional;

/**
 * Envoy admin config dumps ({@code /config_dump} layout) of what a proxy was, or would be, sent,
 * so tools that read Envoy's dumps read telmesh's.
 */
public final class ConfigDumps {

  /** One resource with the version it was sent at and when, if it was sent. */
  public record Entry<T extends Message>(T resource, String version, Optional<Timestamp> lastUpdated) {}

  /** The xDS types a dump may include, in the order they are printed. */
  public enum Kind { LISTENERS, CLUSTERS, ROUTES, ENDPOINTS }

  private ConfigDumps() {}

  public static ListenersConfigDump listeners(String version, List<Entry<Listener>> entries) {
    ListenersConfigDump.Builder dump = ListenersConfigDump.newBuilder().setVersionInfo(version);
    for (Entry<Listener> e : entries) {
      ListenersConfigDump.DynamicListenerState.Builder state = ListenersConfigDump.DynamicListenerState.newBuilder()
          .setVersionInfo(e.version()).setListener(Protos.pack(e.resource()));
      e.lastUpdated().ifPresent(state::setLastUpdated);
      dump.addDynamicListeners(ListenersConfigDump.DynamicListener.newBuilder()
          .setName(e.resource().getName()).setActiveState(state));
    }
    return dump.build();
  }

  public static ClustersConfigDump clusters(String version, List<Entry<Cluster>> entries) {
    ClustersConfigDump.Builder dump = ClustersConfigDump.newBuilder().setVersionInfo(version);
    for (Entry<Cluster> e : entries) {
      ClustersConfigDump.DynamicCluster.Builder cluster = ClustersConfigDump.DynamicCluster.newBuilder()
          .setVersionInfo(e.version()).setCluster(Protos.pack(e.resource()));
      e.lastUpdated().ifPresent(cluster::setLastUpdated);
      dump.addDynamicActiveClusters(cluster);
    }
    return dump.build();
  }

  public static RoutesConfigDump routes(List<Entry<RouteConfiguration>> entries) {
    RoutesConfigDump.Builder dump = RoutesConfigDump.newBuilder();
    for (Entry<RouteConfiguration> e : entries) {
      RoutesConfigDump.DynamicRouteConfig.Builder route = RoutesConfigDump.DynamicRouteConfig.newBuilder()
          .setVersionInfo(e.version()).setRouteConfig(Protos.pack(e.resource()));
      e.lastUpdated().ifPresent(route::setLastUpdated);
      dump.addDynamicRouteConfigs(route);
    }
    return dump.build();
  }

  public static EndpointsConfigDump endpoints(List<Entry<ClusterLoadAssignment>> entries) {
    EndpointsConfigDump.Builder dump = EndpointsConfigDump.newBuilder();
    for (Entry<ClusterLoadAssignment> e : entries) {
      EndpointsConfigDump.DynamicEndpointConfig.Builder endpoint = EndpointsConfigDump.DynamicEndpointConfig
          .newBuilder().setVersionInfo(e.version()).setEndpointConfig(Protos.pack(e.resource()));
      e.lastUpdated().ifPresent(endpoint::setLastUpdated);
      dump.addDynamicEndpointConfigs(endpoint);
    }
    return dump.build();
  }

  /** The whole dump: {@code {"configs": [...]}} with the given per-type dumps in order. */
  public static ConfigDump of(List<? extends Message> perType) {
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    perType.forEach(m -> dump.addConfigs(Protos.pack(m)));
    return dump.build();
  }
}
