package io.telmesh.inbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.Names;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.InboundPort;
import io.telmesh.model.InterceptionMode;
import io.telmesh.resources.ProxyProfile;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod's inbound clusters: {@code inbound|<port>||} per target port and the inbound passthrough.
 * REDIRECT mode connects from 127.0.0.6; TPROXY keeps the client's address (the listener's
 * original_src filter), which Diameter peers that check source addresses need.
 */
public final class InboundClusterBuilder {

  private InboundClusterBuilder() {}

  /** What of an inbound port its cluster is built from. */
  public record PortShape(int targetPort, AppProtocol protocol) {}

  /**
   * What of the ports {@link #build} reads: pods whose ports have the same shape (whatever Service
   * declared them) get equal clusters, so a caller may share one list between them.
   */
  public static List<PortShape> shapeOf(List<InboundPort> ports) {
    return ports.stream().map(p -> new PortShape(p.targetPort(), p.protocol())).toList();
  }

  public static List<Cluster> build(List<InboundPort> ports, ProxyProfile profile) {
    List<Cluster> clusters = new ArrayList<>();
    for (InboundPort port : ports) {
      String name = Names.inboundCluster(port.targetPort());
      Cluster.Builder cluster =
          withSource(Clusters.originalDestination(name), profile)
              .setAltStatName(Names.delimited(name));
      if (port.protocol() == AppProtocol.DIAMETER) {
        cluster.setUpstreamConnectionOptions(Clusters.keepalive());
      }
      if (port.protocol().isHttp2()) {
        Clusters.http2(cluster);
      }
      clusters.add(cluster.build());
    }
    clusters.add(passthrough(profile));
    return clusters;
  }

  public static Cluster passthrough(ProxyProfile profile) {
    return withSource(Clusters.originalDestination(Names.INBOUND_PASSTHROUGH_CLUSTER), profile)
        .build();
  }

  private static Cluster.Builder withSource(Cluster.Builder cluster, ProxyProfile profile) {
    if (profile.mode() != InterceptionMode.TPROXY) {
      cluster.setUpstreamBindConfig(Clusters.inboundSourceBind(profile.ipv4(), profile.ipv6()));
    }
    return cluster;
  }
}
