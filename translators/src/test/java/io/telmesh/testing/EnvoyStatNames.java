package io.telmesh.testing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.resources.ProxyResources;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The statistics Envoy keeps for a proxy's resources, by the names Envoy gives them: per TCP proxy
 * {@code tcp.<stat_prefix>.<stat>}, per HTTP connection manager {@code http.<stat_prefix>.<stat>}
 * (and {@code listener.<address>.http.<stat_prefix>.<stat>}), per cluster {@code
 * cluster.<alt_stat_name or name>.<stat>}, per listener {@code listener.<address>.<stat>} (an
 * address as {@code ip_port}, IPv6 bracketed with ':' turned into '_' as Envoy sanitizes it). A
 * sample of each family's statistics (Envoy's docs list them) is enough: the tags key on the
 * prefix, and the samples cover one-token, response-code and multi-token tails.
 */
public final class EnvoyStatNames {

  public static final List<String> TCP =
      List.of(
          "downstream_cx_total",
          "downstream_cx_no_route",
          "downstream_cx_tx_bytes_total",
          "downstream_cx_rx_bytes_total",
          "idle_timeout",
          "upstream_flush_total");
  public static final List<String> HTTP =
      List.of(
          "downstream_cx_total",
          "downstream_cx_active",
          "downstream_rq_total",
          "downstream_rq_2xx",
          "downstream_rq_5xx",
          "downstream_rq_time",
          "rq_direct_response",
          "no_route");
  public static final List<String> CLUSTER =
      List.of(
          "upstream_cx_total",
          "upstream_cx_active",
          "upstream_cx_connect_fail",
          "upstream_rq_total",
          "upstream_rq_200",
          "upstream_rq_503",
          "upstream_rq_5xx",
          "membership_healthy",
          "circuit_breakers.default.cx_open");
  public static final List<String> LISTENER =
      List.of("downstream_cx_total", "downstream_cx_destroy", "no_filter_chain_match");

  private EnvoyStatNames() {}

  /**
   * The names statistics keep once telmesh's part is cut and the response codes are tags: {@code
   * tcp.downstream_cx_total}, {@code http.downstream_rq_xx}, {@code cluster.upstream_rq}, ...
   */
  public static Set<String> extractedNames() {
    Set<String> names = new TreeSet<>();
    TCP.forEach(s -> names.add("tcp." + s));
    for (String s : HTTP) {
      names.add("http." + withoutCode(s));
      names.add("listener.http." + withoutCode(s));
    }
    names.add("http.rds.config_reload");
    CLUSTER.forEach(s -> names.add("cluster." + withoutCode(s)));
    LISTENER.forEach(s -> names.add("listener." + s));
    return names;
  }

  private static String withoutCode(String stat) {
    return stat.replaceAll("_rq_\\dxx$", "_rq_xx").replaceAll("_rq_\\d{3}$", "_rq");
  }

  public static Set<String> of(ProxyResources resources) {
    Set<String> names = new TreeSet<>();
    for (Listener listener : resources.listeners().byName().values()) {
      String address = listenerAddress(listener);
      if (!listener.getAddress().hasSocketAddress()) {
        continue;
      }
      for (String stat : LISTENER) {
        names.add("listener." + address + "." + stat);
      }
      List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
      if (listener.hasDefaultFilterChain()) {
        chains.add(listener.getDefaultFilterChain());
      }
      for (FilterChain chain : chains) {
        for (Filter filter : chain.getFiltersList()) {
          Any config = filter.getTypedConfig();
          if (config.is(TcpProxy.class)) {
            String prefix = unpack(config, TcpProxy.class).getStatPrefix();
            TCP.forEach(stat -> names.add("tcp." + prefix + "." + stat));
          } else if (config.is(HttpConnectionManager.class)) {
            HttpConnectionManager hcm = unpack(config, HttpConnectionManager.class);
            String prefix = hcm.getStatPrefix();
            for (String stat : HTTP) {
              names.add("http." + prefix + "." + stat);
              names.add("listener." + address + ".http." + prefix + "." + stat);
            }
            if (hcm.hasRds()) {
              names.add(
                  "http."
                      + prefix
                      + ".rds."
                      + hcm.getRds().getRouteConfigName()
                      + ".config_reload");
            }
          }
        }
      }
    }
    for (Cluster cluster : resources.clusters().byName().values()) {
      String name =
          cluster.getAltStatName().isEmpty() ? cluster.getName() : cluster.getAltStatName();
      CLUSTER.forEach(stat -> names.add("cluster." + name + "." + stat));
    }
    return names;
  }

  private static String listenerAddress(Listener listener) {
    SocketAddress socket = listener.getAddress().getSocketAddress();
    String ip = socket.getAddress();
    String host = ip.contains(":") ? "[" + ip.replace(':', '_') + "]" : ip;
    return host + "_" + socket.getPortValue();
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
