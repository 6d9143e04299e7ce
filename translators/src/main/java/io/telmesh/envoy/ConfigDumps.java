package io.telmesh.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import java.util.List;
import java.util.Optional;

/**
 * Envoy admin config dumps ({@code /config_dump} layout) of what a proxy was, or would be, sent, so
 * tools that read Envoy's dumps read telmesh's.
 */
public final class ConfigDumps {

  /** One resource (packed), with the version it was sent at and when, if it was sent. */
  public record Entry(String name, Any resource, String version, Optional<Timestamp> lastUpdated) {

    /** A resource that was not sent, only computed. */
    public static Entry of(String name, Message resource, String version) {
      return new Entry(name, Protos.pack(resource), version, Optional.empty());
    }
  }

  /** The xDS types a dump may include, in the order they are printed. */
  public enum Kind {
    LISTENERS(ListenersConfigDump.getDescriptor()),
    CLUSTERS(ClustersConfigDump.getDescriptor()),
    ROUTES(RoutesConfigDump.getDescriptor()),
    ENDPOINTS(EndpointsConfigDump.getDescriptor());

    private final String dumpTypeUrl;

    Kind(com.google.protobuf.Descriptors.Descriptor dump) {
      this.dumpTypeUrl = "type.googleapis.com/" + dump.getFullName();
    }

    /**
     * The type URL of this kind's admin dump ({@code ListenersConfigDump}, ...) inside a
     * ConfigDump.
     */
    public String dumpTypeUrl() {
      return dumpTypeUrl;
    }
  }

  private ConfigDumps() {}

  public static ListenersConfigDump listeners(String version, List<Entry> entries) {
    ListenersConfigDump.Builder dump = ListenersConfigDump.newBuilder().setVersionInfo(version);
    for (Entry e : entries) {
      ListenersConfigDump.DynamicListenerState.Builder state =
          ListenersConfigDump.DynamicListenerState.newBuilder()
              .setVersionInfo(e.version())
              .setListener(e.resource());
      e.lastUpdated().ifPresent(state::setLastUpdated);
      dump.addDynamicListeners(
          ListenersConfigDump.DynamicListener.newBuilder().setName(e.name()).setActiveState(state));
    }
    return dump.build();
  }

  public static ClustersConfigDump clusters(String version, List<Entry> entries) {
    ClustersConfigDump.Builder dump = ClustersConfigDump.newBuilder().setVersionInfo(version);
    for (Entry e : entries) {
      ClustersConfigDump.DynamicCluster.Builder cluster =
          ClustersConfigDump.DynamicCluster.newBuilder()
              .setVersionInfo(e.version())
              .setCluster(e.resource());
      e.lastUpdated().ifPresent(cluster::setLastUpdated);
      dump.addDynamicActiveClusters(cluster);
    }
    return dump.build();
  }

  public static RoutesConfigDump routes(List<Entry> entries) {
    RoutesConfigDump.Builder dump = RoutesConfigDump.newBuilder();
    for (Entry e : entries) {
      RoutesConfigDump.DynamicRouteConfig.Builder route =
          RoutesConfigDump.DynamicRouteConfig.newBuilder()
              .setVersionInfo(e.version())
              .setRouteConfig(e.resource());
      e.lastUpdated().ifPresent(route::setLastUpdated);
      dump.addDynamicRouteConfigs(route);
    }
    return dump.build();
  }

  public static EndpointsConfigDump endpoints(List<Entry> entries) {
    EndpointsConfigDump.Builder dump = EndpointsConfigDump.newBuilder();
    for (Entry e : entries) {
      EndpointsConfigDump.DynamicEndpointConfig.Builder endpoint =
          EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
              .setVersionInfo(e.version())
              .setEndpointConfig(e.resource());
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
