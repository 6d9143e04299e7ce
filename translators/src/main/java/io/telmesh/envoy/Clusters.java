package io.telmesh.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.ExtraSourceAddress;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.telmesh.model.Locality;
import java.util.List;
import java.util.Map;

/** Cluster pieces shared by inbound, outbound and passthrough clusters. */
public final class Clusters {

  public static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  /** Istio's default connect timeout. */
  private static final long CONNECT_TIMEOUT_SECONDS = 10;

  private static final long UNLIMITED = 4294967295L;

  /**
   * Diameter peers exchange watchdogs about every 30 s; keepalive probes find a dead peer behind a
   * silent NAT or firewall without ever cutting a live but idle connection.
   */
  private static final int KEEPALIVE_TIME_SECONDS = 60;

  private static final int KEEPALIVE_INTERVAL_SECONDS = 10;
  private static final int KEEPALIVE_PROBES = 3;

  private Clusters() {}

  /** A cluster with Istio's defaults: 10 s connect timeout, unlimited circuit breakers. */
  public static Cluster.Builder base(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setConnectTimeout(Protos.seconds(CONNECT_TIMEOUT_SECONDS))
        .setCircuitBreakers(
            CircuitBreakers.newBuilder()
                .addThresholds(
                    CircuitBreakers.Thresholds.newBuilder()
                        .setMaxConnections(UInt32Value.of((int) UNLIMITED))
                        .setMaxPendingRequests(UInt32Value.of((int) UNLIMITED))
                        .setMaxRequests(UInt32Value.of((int) UNLIMITED))
                        .setMaxRetries(UInt32Value.of((int) UNLIMITED))
                        .setTrackRemaining(true)));
  }

  /** Forwards to the connection's original destination (inbound, passthrough). */
  public static Cluster.Builder originalDestination(String name) {
    return base(name)
        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED);
  }

  /**
   * Endpoints Envoy resolves by DNS, as istiod builds a DNS ServiceEntry's cluster: {@code
   * STRICT_DNS} balances over every address, {@code LOGICAL_DNS} uses one at a time; IPv4 lookups.
   * (istiod also sets {@code respect_dns_ttl}, which Envoy has deprecated in favour of its DNS
   * cluster extension; telmesh keeps Envoy's 5 s refresh.)
   *
   * @param targets host (or address) and port pairs, each with its locality
   */
  public static Cluster.Builder dns(
      String name, boolean logical, List<Map.Entry<Address, Locality>> targets) {
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(name);
    Map<Locality, LocalityLbEndpoints.Builder> byLocality = new java.util.LinkedHashMap<>();
    for (Map.Entry<Address, Locality> target : targets) {
      byLocality
          .computeIfAbsent(
              target.getValue(),
              l ->
                  LocalityLbEndpoints.newBuilder()
                      .setLocality(
                          io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                              .setRegion(l.region())
                              .setZone(l.zone())
                              .setSubZone(l.subZone())))
          .addLbEndpoints(
              LbEndpoint.newBuilder()
                  .setEndpoint(Endpoint.newBuilder().setAddress(target.getKey())));
    }
    byLocality.values().forEach(assignment::addEndpoints);
    return base(name)
        .setType(logical ? Cluster.DiscoveryType.LOGICAL_DNS : Cluster.DiscoveryType.STRICT_DNS)
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
        .setLoadAssignment(assignment);
  }

  /** Endpoints from EDS over ADS, looked up under the cluster's own name. */
  public static Cluster.Builder eds(String name) {
    return base(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder()
                .setEdsConfig(NetworkFilters.adsConfigSource())
                .setServiceName(name));
  }

  public static Cluster blackHole() {
    return base(Names.BLACKHOLE_CLUSTER)
        .setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder().setClusterName(Names.BLACKHOLE_CLUSTER))
        .build();
  }

  /** Upstream TCP keepalive, for long-lived signaling connections. */
  public static UpstreamConnectionOptions keepalive() {
    return UpstreamConnectionOptions.newBuilder()
        .setTcpKeepalive(
            TcpKeepalive.newBuilder()
                .setKeepaliveProbes(UInt32Value.of(KEEPALIVE_PROBES))
                .setKeepaliveTime(UInt32Value.of(KEEPALIVE_TIME_SECONDS))
                .setKeepaliveInterval(UInt32Value.of(KEEPALIVE_INTERVAL_SECONDS)))
        .build();
  }

  /** h2c to the upstream. */
  public static void http2(Cluster.Builder cluster) {
    cluster.putTypedExtensionProtocolOptions(
        HTTP_PROTOCOL_OPTIONS,
        Protos.pack(
            HttpProtocolOptions.newBuilder()
                .setExplicitHttpConfig(
                    HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                        .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                .build()));
  }

  /**
   * REDIRECT mode: connect to the application from 127.0.0.6 (and ::6), which iptables lets through
   * instead of capturing again.
   */
  public static BindConfig inboundSourceBind(boolean ipv4, boolean ipv6) {
    String primary = ipv4 ? Names.INBOUND_SOURCE_V4 : Names.INBOUND_SOURCE_V6;
    BindConfig.Builder bind =
        BindConfig.newBuilder()
            .setSourceAddress(SocketAddress.newBuilder().setAddress(primary).setPortValue(0));
    if (ipv4 && ipv6) {
      bind.addExtraSourceAddresses(
          ExtraSourceAddress.newBuilder()
              .setAddress(
                  SocketAddress.newBuilder().setAddress(Names.INBOUND_SOURCE_V6).setPortValue(0)));
    }
    return bind.build();
  }
}
