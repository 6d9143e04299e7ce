package io.telmesh.outbound;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.AdditionalAddress;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.telmesh.envoy.AccessLogs;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.protocol.ProtocolSelector;
import io.telmesh.resources.ProxyProfile;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code virtualOutbound} on 15001: hands captured connections to the listener of their original
 * destination; what matches none passes through, and connections to 15001 itself are dropped.
 * Diameter peers are often configured by address, with no Service in front: connections to the
 * Diameter ports pass through with the long-lived profile (no idle timeout), not the catch-all's.
 */
public final class VirtualOutboundBuilder {

  /**
   * The interface a connection leaves by is the routing table's choice, made after the listener:
   * the line's upstream local address tells it, no literal can.
   */
  private static final AccessLogs.Chain OUTBOUND = AccessLogs.Chain.outbound();

  private VirtualOutboundBuilder() {}

  private static Optional<AccessLog> log(ProxyProfile profile, AccessLogs.Chain chain) {
    return profile.accessLog() ? Optional.of(AccessLogs.tcp(chain)) : Optional.empty();
  }

  /** Where connections to unknown destinations go under this policy. */
  static String catchAllCluster(OutboundTrafficPolicy policy) {
    return policy == OutboundTrafficPolicy.ALLOW_ANY
        ? Names.PASSTHROUGH_CLUSTER
        : Names.BLACKHOLE_CLUSTER;
  }

  /**
   * The listener for this proxy. Under {@code REGISTRY_ONLY} the catch-all and the Diameter chains
   * end at {@code BlackHoleCluster}: a Diameter peer outside the registry is as unknown as any
   * other destination.
   */
  public static Listener build(ProxyProfile profile, OutboundTrafficPolicy policy) {
    String catchAll = catchAllCluster(policy);
    String primary = profile.ipv4() ? Names.WILDCARD_V4 : Names.WILDCARD_V6;
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(Names.VIRTUAL_OUTBOUND)
            .setAddress(Addresses.socket(primary, Names.OUTBOUND_CAPTURE_PORT))
            .setUseOriginalDst(BoolValue.of(true))
            .setTrafficDirection(TrafficDirection.OUTBOUND)
            .addFilterChains(
                FilterChain.newBuilder()
                    .setName(Names.VIRTUAL_OUTBOUND_BLACKHOLE_CHAIN)
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder()
                            .setDestinationPort(UInt32Value.of(Names.OUTBOUND_CAPTURE_PORT)))
                    .addFilters(
                        NetworkFilters.tcpProxy(
                            Names.BLACKHOLE_CLUSTER,
                            Names.BLACKHOLE_CLUSTER,
                            Optional.empty(),
                            log(profile, OUTBOUND.port(Names.OUTBOUND_CAPTURE_PORT)))));
    for (int port : List.of(ProtocolSelector.DIAMETER_PORT, ProtocolSelector.DIAMETER_TLS_PORT)) {
      listener.addFilterChains(
          FilterChain.newBuilder()
              .setName(Names.virtualOutboundDiameterChain(port))
              .setFilterChainMatch(
                  FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)))
              .addFilters(
                  NetworkFilters.tcpProxy(
                      Names.virtualOutboundDiameterChain(port),
                      catchAll,
                      Optional.of(Duration.ZERO),
                      log(profile, OUTBOUND.port(port)))));
    }
    listener.addFilterChains(
        FilterChain.newBuilder()
            .setName(Names.VIRTUAL_OUTBOUND_CATCHALL_CHAIN)
            .addFilters(
                NetworkFilters.tcpProxy(
                    catchAll, catchAll, profile.idleTimeout(), log(profile, OUTBOUND))));
    if (profile.ipv4() && profile.ipv6()) {
      listener.addAdditionalAddresses(
          AdditionalAddress.newBuilder()
              .setAddress(Addresses.socket(Names.WILDCARD_V6, Names.OUTBOUND_CAPTURE_PORT)));
    }
    if (profile.mode() == InterceptionMode.TPROXY) {
      listener.setTransparent(BoolValue.of(true));
    }
    return listener.build();
  }
}
