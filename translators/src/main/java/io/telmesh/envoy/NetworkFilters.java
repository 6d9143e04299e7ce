package io.telmesh.envoy;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.v3.HashPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The network filters telmesh emits: tcp_proxy and the HTTP connection manager. */
public final class NetworkFilters {

  public static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  public static final String HTTP_CONNECTION_MANAGER =
      "envoy.filters.network.http_connection_manager";
  public static final String ROUTER = "envoy.filters.http.router";

  private NetworkFilters() {}

  /**
   * A tcp_proxy to one cluster.
   *
   * @param idleTimeout empty keeps Envoy's default (1h); {@link Duration#ZERO} disables the cut-off
   */
  public static Filter tcpProxy(String statPrefix, String cluster, Optional<Duration> idleTimeout) {
    return tcpProxy(statPrefix, cluster, idleTimeout, Optional.empty());
  }

  /** A tcp_proxy to one cluster, with an access log when one is given. */
  public static Filter tcpProxy(
      String statPrefix,
      String cluster,
      Optional<Duration> idleTimeout,
      Optional<AccessLog> accessLog) {
    return tcpProxy(statPrefix, cluster, idleTimeout, accessLog, Optional.empty());
  }

  /** A tcp_proxy to one cluster, hashing connections as given (a consistent-hash cluster). */
  public static Filter tcpProxy(
      String statPrefix,
      String cluster,
      Optional<Duration> idleTimeout,
      Optional<AccessLog> accessLog,
      Optional<HashPolicy> hash) {
    TcpProxy.Builder proxy = TcpProxy.newBuilder().setStatPrefix(statPrefix).setCluster(cluster);
    hash.ifPresent(proxy::addHashPolicy);
    return tcpProxy(proxy, idleTimeout, accessLog);
  }

  /**
   * A tcp_proxy splitting connections over clusters by weight (a VirtualService tcp route), its
   * stats under {@code statPrefix}.
   */
  public static Filter tcpProxy(
      String statPrefix,
      java.util.Map<String, Integer> weights,
      Optional<Duration> idleTimeout,
      Optional<AccessLog> accessLog,
      Optional<HashPolicy> hash) {
    TcpProxy.WeightedCluster.Builder split = TcpProxy.WeightedCluster.newBuilder();
    weights.forEach(
        (cluster, weight) ->
            split.addClusters(
                TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
                    .setName(cluster)
                    .setWeight(weight)));
    TcpProxy.Builder proxy =
        TcpProxy.newBuilder().setStatPrefix(statPrefix).setWeightedClusters(split);
    hash.ifPresent(proxy::addHashPolicy);
    return tcpProxy(proxy, idleTimeout, accessLog);
  }

  private static Filter tcpProxy(
      TcpProxy.Builder proxy, Optional<Duration> idleTimeout, Optional<AccessLog> accessLog) {
    idleTimeout.ifPresent(t -> proxy.setIdleTimeout(Protos.fromJava(t)));
    accessLog.ifPresent(proxy::addAccessLog);
    return Filter.newBuilder()
        .setName(TCP_PROXY)
        .setTypedConfig(Protos.pack(proxy.build()))
        .build();
  }

  public static Filter httpConnectionManager(HttpConnectionManager manager) {
    return Filter.newBuilder()
        .setName(HTTP_CONNECTION_MANAGER)
        .setTypedConfig(Protos.pack(manager))
        .build();
  }

  public static final String GRPC_STATS = "envoy.filters.http.grpc_stats";
  public static final String FAULT = "envoy.filters.http.fault";
  public static final String CORS = "envoy.filters.http.cors";

  /**
   * A sidecar's HTTP filters, as istiod's without what needs Istio's own Envoy build ({@code
   * istio.metadata_exchange}, {@code istio.stats}): gRPC statistics, then fault injection and CORS
   * (empty: a route's typed_per_filter_config turns them on, as VirtualService fault and corsPolicy
   * will), then the router.
   */
  public static List<HttpFilter> sidecarHttpFilters() {
    return List.of(
        HttpFilter.newBuilder()
            .setName(GRPC_STATS)
            .setTypedConfig(
                Protos.pack(
                    io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig
                        .newBuilder()
                        .setEmitFilterState(true)
                        .setStatsForAllMethods(BoolValue.of(false))
                        .build()))
            .build(),
        HttpFilter.newBuilder()
            .setName(FAULT)
            .setTypedConfig(
                Protos.pack(
                    io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault
                        .getDefaultInstance()))
            .build(),
        HttpFilter.newBuilder()
            .setName(CORS)
            .setTypedConfig(
                Protos.pack(
                    io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDefaultInstance()))
            .build(),
        router());
  }

  /** The router, which must be the last HTTP filter (Envoy and grpc-java both insist). */
  public static HttpFilter router() {
    return HttpFilter.newBuilder()
        .setName(ROUTER)
        .setTypedConfig(Protos.pack(Router.getDefaultInstance()))
        .build();
  }

  /** RDS over the ADS stream, as Istio-bootstrapped Envoys and gRPC clients expect. */
  public static Rds rds(String routeName) {
    return Rds.newBuilder()
        .setConfigSource(adsConfigSource())
        .setRouteConfigName(routeName)
        .build();
  }

  public static ConfigSource adsConfigSource() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  /**
   * The sidecar HTTP connection manager: no remote-address trust, websocket upgrades allowed,
   * HTTP/2 options when the port speaks h2c.
   */
  public static HttpConnectionManager.Builder sidecarHttp(String statPrefix, boolean http2) {
    HttpConnectionManager.Builder manager =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(statPrefix)
            .setCodecType(HttpConnectionManager.CodecType.AUTO)
            .setUseRemoteAddress(BoolValue.of(false))
            .setNormalizePath(BoolValue.of(true))
            .addUpgradeConfigs(
                HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
            .addAllHttpFilters(sidecarHttpFilters());
    if (http2) {
      manager.setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance());
    }
    return manager;
  }

  public static HttpConnectionManager inlineRoutes(
      HttpConnectionManager.Builder manager, RouteConfiguration routes) {
    return manager.setRouteConfig(routes).build();
  }
}
