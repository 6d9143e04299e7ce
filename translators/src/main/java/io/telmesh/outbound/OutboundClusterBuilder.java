package io.telmesh.outbound;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.Names;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.TrafficPolicy;
import java.util.Optional;

/**
 * {@code outbound|<port>||<fqdn>}: EDS, or ORIGINAL_DST for headless Services (clients dial pod
 * addresses directly, as in Istio). Diameter clusters keep TCP keepalive on.
 */
final class OutboundClusterBuilder {

  private OutboundClusterBuilder() {}

  static Cluster build(OutboundPort port) {
    return build(port, port.cluster(), port.service().trafficPolicy());
  }

  /** A DestinationRule subset's cluster: the Service port's, under its own name and policy. */
  static Cluster subset(OutboundPort port, TrafficPolicy.Subset subset) {
    return build(
        port,
        Names.outboundCluster(port.number(), subset.name(), port.service().fqdn()),
        Optional.of(subset.policy()));
  }

  private static Cluster build(OutboundPort port, String name, Optional<TrafficPolicy> policy) {
    Cluster.Builder cluster =
        port.service().headless() ? Clusters.originalDestination(name) : Clusters.eds(name);
    cluster.setAltStatName(Names.delimited(name));
    if (!port.service().headless()) {
      // istiod's default since 1.14: fewer hot spots than round robin under uneven request costs.
      cluster.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
    }
    if (port.port().protocol() == AppProtocol.DIAMETER) {
      cluster.setUpstreamConnectionOptions(Clusters.keepalive());
    }
    if (port.port().protocol().isHttp2()) {
      Clusters.http2(cluster);
    }
    policy.ifPresent(
        p -> TrafficPolicies.apply(cluster, p.forPort(port.number()), port.port().protocol()));
    return cluster.build();
  }

  static Cluster passthrough() {
    return Clusters.originalDestination(Names.PASSTHROUGH_CLUSTER).build();
  }
}
