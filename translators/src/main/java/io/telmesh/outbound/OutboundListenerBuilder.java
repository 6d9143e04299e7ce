package io.telmesh.outbound;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.AdditionalAddress;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.telmesh.envoy.AccessLogs;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.ListenerFilters;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.IpAddress;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.Routing;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Per-Service outbound listeners. They never bind ({@code bind_to_port: false}): virtualOutbound
 * hands connections over by original destination. TCP, Diameter and sniffed ports are keyed by the
 * Service address ({@code <vip>_<port>}, or {@code <podIP>_<port>} per endpoint of a headless
 * Service); HTTP ports share {@code 0.0.0.0_<port>} and route by host.
 */
final class OutboundListenerBuilder {

  private OutboundListenerBuilder() {}

  /**
   * An HTTP port: one listener for every HTTP Service on it, routing by RDS.
   *
   * @param accessLog what the listener's access log says about it; empty for no log
   * @param policy where what is not HTTP goes: its original destination, or nowhere
   */
  static Listener http(
      int port, Optional<AccessLogs.Chain> accessLog, OutboundTrafficPolicy policy) {
    String name = Names.listener(Names.WILDCARD_V4, port);
    FilterChain chain =
        FilterChain.newBuilder()
            .setFilterChainMatch(
                FilterChainMatch.newBuilder()
                    .addApplicationProtocols("http/1.1")
                    .addApplicationProtocols("h2c"))
            .addFilters(
                NetworkFilters.httpConnectionManager(
                    httpManager(name, port, accessLog.map(AccessLogs::http))))
            .build();
    // What is not HTTP (a client speaking TCP to an HTTP port, TLS it originates) goes on to its
    // original destination, as istiod's listeners let it, instead of being reset; under
    // REGISTRY_ONLY it is dropped, as istiod does.
    String fallback = VirtualOutboundBuilder.catchAllCluster(policy);
    FilterChain passthrough =
        FilterChain.newBuilder()
            .setName(Names.PASSTHROUGH_FILTER_CHAIN)
            .addFilters(
                NetworkFilters.tcpProxy(
                    fallback, fallback, Optional.empty(), accessLog.map(AccessLogs::tcp)))
            .build();
    return base(name, Names.WILDCARD_V4, port, List.of())
        .addListenerFilters(ListenerFilters.httpInspector())
        .setContinueOnListenerFiltersTimeout(true)
        .addFilterChains(chain)
        .setDefaultFilterChain(passthrough)
        .build();
  }

  /**
   * A Service address (VIP, or endpoint of a headless Service): tcp_proxy, or for a sniffed port an
   * HTTP chain by ALPN with a TCP fallback.
   */
  static Listener addressed(
      OutboundPort port,
      List<IpAddress> addresses,
      Optional<Duration> idleTimeout,
      Optional<AccessLogs.Chain> accessLog,
      HashPolicies hashes) {
    IpAddress primary = addresses.get(0);
    String name = Names.listener(primary.address(), port.number());
    Listener.Builder listener =
        base(name, primary.address(), port.number(), addresses.subList(1, addresses.size()));
    // A DestinationRule's idle timeout wins over the node's, and neither cuts Diameter.
    Optional<Duration> idle =
        port.port().protocol() == AppProtocol.DIAMETER
            ? Optional.of(Duration.ZERO)
            : port.service()
                .trafficPolicy()
                .flatMap(p -> p.forPort(port.number()).tcpIdleTimeout())
                .or(() -> idleTimeout);
    FilterChain tcp =
        FilterChain.newBuilder()
            .addFilters(tcpProxy(port, addresses, idle, accessLog, hashes))
            .build();
    if (port.port().protocol() == AppProtocol.AUTO) {
      FilterChain http =
          FilterChain.newBuilder()
              .setFilterChainMatch(
                  FilterChainMatch.newBuilder()
                      .addApplicationProtocols("http/1.1")
                      .addApplicationProtocols("h2c"))
              .addFilters(
                  NetworkFilters.httpConnectionManager(
                      httpManager(name, port.number(), accessLog.map(AccessLogs::http))))
              .build();
      listener
          .addListenerFilters(ListenerFilters.httpInspector())
          .setContinueOnListenerFiltersTimeout(true)
          .addFilterChains(http);
    }
    return listener.addFilterChains(tcp).build();
  }

  /**
   * The port's tcp_proxy: to its own cluster, or where the Service's VirtualService tcp rule for
   * the port sends it (one cluster, or weighted ones). Stats stay under the port's cluster name, so
   * a split does not move the Service's statistics. It hashes on the client's address when the
   * cluster it sends to (any of a split's, as istiod) is a {@code useSourceIp} consistent hash.
   */
  private static io.envoyproxy.envoy.config.listener.v3.Filter tcpProxy(
      OutboundPort port,
      List<IpAddress> addresses,
      Optional<Duration> idle,
      Optional<AccessLogs.Chain> accessLog,
      HashPolicies hashes) {
    Optional<Routing.TcpRule> rule =
        port.service().routing().flatMap(r -> r.tcpFor(port.number(), addresses));
    Optional<io.envoyproxy.envoy.config.accesslog.v3.AccessLog> log =
        accessLog.map(AccessLogs::tcp);
    if (rule.isEmpty()) {
      return NetworkFilters.tcpProxy(
          port.cluster(),
          port.cluster(),
          idle,
          log,
          hashes
              .key(port.service().fqdn(), port.number(), Optional.empty())
              .flatMap(HashPolicies::tcp));
    }
    List<Routing.WeightedDestination> destinations = rule.get().destinations();
    Optional<io.envoyproxy.envoy.type.v3.HashPolicy> hash =
        destinations.stream()
            .flatMap(d -> hashes.key(d.fqdn(), d.port().orElse(port.number()), d.subset()).stream())
            .flatMap(key -> HashPolicies.tcp(key).stream())
            .findFirst();
    if (destinations.size() == 1) {
      return NetworkFilters.tcpProxy(
          port.cluster(),
          VirtualServiceRoutes.cluster(destinations.get(0), port.number()),
          idle,
          log,
          hash);
    }
    boolean unweighted = destinations.stream().allMatch(d -> d.weight() == 0);
    java.util.Map<String, Integer> weights = new java.util.LinkedHashMap<>();
    destinations.forEach(
        d ->
            weights.merge(
                VirtualServiceRoutes.cluster(d, port.number()),
                unweighted ? 1 : d.weight(),
                Integer::sum));
    return NetworkFilters.tcpProxy(port.cluster(), weights, idle, log, hash);
  }

  private static HttpConnectionManager httpManager(
      String listener, int port, Optional<AccessLog> accessLog) {
    HttpConnectionManager.Builder manager =
        NetworkFilters.sidecarHttp(Names.delimited("outbound_" + listener), false)
            .setRds(NetworkFilters.rds(Names.outboundRoute(port)));
    accessLog.ifPresent(manager::addAccessLog);
    return manager.build();
  }

  private static Listener.Builder base(
      String name, String address, int port, List<IpAddress> extra) {
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(name)
            .setAddress(Addresses.socket(address, port))
            .setBindToPort(BoolValue.of(false))
            .setTrafficDirection(TrafficDirection.OUTBOUND);
    for (IpAddress ip : extra) {
      listener.addAdditionalAddresses(
          AdditionalAddress.newBuilder().setAddress(Addresses.socket(ip.address(), port)));
    }
    return listener;
  }
}
