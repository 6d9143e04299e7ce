package io.telmesh.outbound;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.Protos;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.TrafficPolicy;

/**
 * A DestinationRule's traffic policy on an outbound cluster, in the Envoy fields istiod sets for
 * it: the load balancer, the circuit-breaker thresholds of the connection pool, the connect
 * timeout, HTTP idle timeout and requests per connection (HTTP ports), and outlier detection. What
 * a rule leaves unset keeps telmesh's (and istiod's) default.
 */
final class TrafficPolicies {

  private TrafficPolicies() {}

  static void apply(Cluster.Builder cluster, TrafficPolicy policy, AppProtocol protocol) {
    // As istiod: an original-destination cluster (a headless Service) balances nothing itself.
    if (cluster.getType() != Cluster.DiscoveryType.ORIGINAL_DST) {
      loadBalancer(cluster, policy);
    }
    CircuitBreakers.Thresholds.Builder thresholds =
        cluster.getCircuitBreakers().getThresholds(0).toBuilder();
    policy.maxConnections().ifPresent(n -> thresholds.setMaxConnections(UInt32Value.of(n)));
    policy
        .http1MaxPendingRequests()
        .ifPresent(n -> thresholds.setMaxPendingRequests(UInt32Value.of(n)));
    policy.http2MaxRequests().ifPresent(n -> thresholds.setMaxRequests(UInt32Value.of(n)));
    policy.maxRetries().ifPresent(n -> thresholds.setMaxRetries(UInt32Value.of(n)));
    cluster.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(thresholds));
    policy.connectTimeout().ifPresent(t -> cluster.setConnectTimeout(Protos.fromJava(t)));
    if (protocol.isHttp()
        && (policy.httpIdleTimeout().isPresent()
            || policy.maxRequestsPerConnection().isPresent())) {
      HttpProtocolOptions.Builder common = HttpProtocolOptions.newBuilder();
      policy.httpIdleTimeout().ifPresent(t -> common.setIdleTimeout(Protos.fromJava(t)));
      policy
          .maxRequestsPerConnection()
          .ifPresent(n -> common.setMaxRequestsPerConnection(UInt32Value.of(n)));
      cluster.putTypedExtensionProtocolOptions(
          Clusters.HTTP_PROTOCOL_OPTIONS, Protos.pack(withCommon(cluster, common.build())));
    }
    policy.outlierDetection().ifPresent(o -> cluster.setOutlierDetection(outlier(o)));
  }

  private static void loadBalancer(Cluster.Builder cluster, TrafficPolicy policy) {
    policy
        .loadBalancer()
        .ifPresent(
            lb -> {
              switch (lb) {
                case ROUND_ROBIN -> cluster.setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
                case LEAST_REQUEST -> cluster.setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST);
                case RANDOM -> cluster.setLbPolicy(Cluster.LbPolicy.RANDOM);
                case PASSTHROUGH ->
                    // Istio: the client's own destination, no endpoints.
                    cluster
                        .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                        .clearEdsClusterConfig();
              }
            });
    policy.consistentHash().ifPresent(hash -> consistentHash(cluster, hash.table()));
  }

  /** istiod's hashing cluster: ring hash (its default) or Maglev, with the table size set. */
  private static void consistentHash(Cluster.Builder cluster, TrafficPolicy.Table table) {
    if (table instanceof TrafficPolicy.Maglev maglev) {
      cluster
          .setLbPolicy(Cluster.LbPolicy.MAGLEV)
          .setMaglevLbConfig(
              Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(maglev.tableSize())));
    } else if (table instanceof TrafficPolicy.RingHash ring) {
      cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH);
      ring.minimumRingSize()
          .ifPresent(
              size ->
                  cluster.setRingHashLbConfig(
                      Cluster.RingHashLbConfig.newBuilder()
                          .setMinimumRingSize(UInt64Value.of(size))));
    }
  }

  /** The cluster's upstream HTTP options (h2 when it has them, else HTTP/1.1) with these set. */
  private static io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions withCommon(
      Cluster.Builder cluster, HttpProtocolOptions common) {
    var existing =
        cluster.getTypedExtensionProtocolOptionsMap().get(Clusters.HTTP_PROTOCOL_OPTIONS);
    io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.Builder options;
    try {
      options =
          existing == null
              ? io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
                  .setExplicitHttpConfig(
                      io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                          .ExplicitHttpConfig.newBuilder()
                          .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
              : existing
                  .unpack(
                      io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class)
                  .toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("telmesh packed these options itself", e);
    }
    return options.setCommonHttpProtocolOptions(common).build();
  }

  /** As istiod: success-rate ejection off, consecutive errors enforced at 100 % when set. */
  private static OutlierDetection outlier(TrafficPolicy.OutlierDetection rule) {
    OutlierDetection.Builder out =
        OutlierDetection.newBuilder().setEnforcingSuccessRate(UInt32Value.of(0));
    rule.consecutive5xxErrors()
        .ifPresent(
            n ->
                out.setConsecutive5Xx(UInt32Value.of(n))
                    .setEnforcingConsecutive5Xx(UInt32Value.of(n > 0 ? 100 : 0)));
    rule.consecutiveGatewayErrors()
        .ifPresent(
            n ->
                out.setConsecutiveGatewayFailure(UInt32Value.of(n))
                    .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(n > 0 ? 100 : 0)));
    rule.interval().ifPresent(t -> out.setInterval(Protos.fromJava(t)));
    rule.baseEjectionTime().ifPresent(t -> out.setBaseEjectionTime(Protos.fromJava(t)));
    rule.maxEjectionPercent()
        .ifPresent(
            p -> {
              if (p > 0) {
                out.setMaxEjectionPercent(UInt32Value.of(p));
              }
            });
    return out.build();
  }
}
