package io.telmesh.inbound;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.telmesh.envoy.AccessLogs;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.RouteActions;
import java.time.Duration;
import java.util.Optional;

/**
 * The network filter of an inbound chain, as the values it is built from. Nothing here is a pod's
 * address: pods with the same port, interface name and profile get equal filters, so a translation
 * can build each once and hand the same object (and its packed bytes) to every proxy.
 */
public sealed interface InboundFilter {

  Filter build();

  /** A tcp_proxy to one cluster; {@code log} is the access log's chain when the profile logs. */
  record Tcp(
      String statPrefix,
      String cluster,
      Optional<Duration> idleTimeout,
      Optional<AccessLogs.Chain> log)
      implements InboundFilter {

    @Override
    public Filter build() {
      return NetworkFilters.tcpProxy(statPrefix, cluster, idleTimeout, log.map(AccessLogs::tcp));
    }
  }

  /** An HTTP connection manager whose inline route sends everything to the port's cluster. */
  record Http(
      String statPrefix,
      String cluster,
      String virtualHost,
      boolean http2,
      Optional<AccessLogs.Chain> log)
      implements InboundFilter {

    @Override
    public Filter build() {
      RouteConfiguration routes =
          RouteConfiguration.newBuilder()
              .setName(cluster)
              .setValidateClusters(BoolValue.of(false))
              .addVirtualHosts(
                  VirtualHost.newBuilder()
                      .setName(virtualHost)
                      .addDomains("*")
                      .addRoutes(
                          Route.newBuilder()
                              .setName("default")
                              .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                              .setRoute(
                                  RouteActions.withTimeout(Duration.ZERO).setCluster(cluster))))
              .build();
      HttpConnectionManager.Builder manager = NetworkFilters.sidecarHttp(statPrefix, http2);
      log.map(AccessLogs::http).ifPresent(manager::addAccessLog);
      return NetworkFilters.httpConnectionManager(NetworkFilters.inlineRoutes(manager, routes));
    }
  }
}
