package io.telmesh.proxyless;

import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.Protos;
import io.telmesh.model.InboundPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The listeners a proxyless gRPC server in a pod of the mesh asks for (grpc-go {@code
 * xds.NewGRPCServer}, grpc-java {@code XdsServerBuilder}): {@code
 * xds.istio.io/grpc/lds/inbound/<host>:<port>} for every gRPC-capable port the pod serves (the
 * target ports of the Services selecting it) and every host the server may be listening on: {@code
 * 0.0.0.0} (grpc-java always uses it), {@code [::]}, and each of the pod's addresses on every
 * interface (grpc-go names the listener after the address it listens on, and requires the
 * listener's address to be that host exactly, {@code ::} for {@code [::]}).
 *
 * <p>The shape is Istio's plaintext inbound listener for proxyless servers, which both clients
 * accept on the server side: the address set, no listener filters, {@code use_original_dst} absent
 * (grpc-java rejects it even when false), no traffic direction, no default chain; one chain {@code
 * inbound-plaintext} without a match, holding one network filter {@code inbound-hcmplaintext}, an
 * HTTP connection manager with an inline route configuration {@code inbound}: one virtual host for
 * every authority, one route {@code /} with {@code non_forwarding_action} (the only action a gRPC
 * server accepts), and the router as the only HTTP filter.
 */
public final class ProxylessServerBuilder {

  public static final String CHAIN = "inbound-plaintext";
  public static final String NETWORK_FILTER = "inbound-hcmplaintext";
  public static final String ROUTE = "inbound";

  private static final String ANY_V4 = Names.WILDCARD_V4;
  private static final String ANY_V6 = "[" + Names.WILDCARD_V6 + "]";

  private ProxylessServerBuilder() {}

  /** The pod's server listeners; empty when it serves no gRPC-capable port. */
  public static ResourceSegment<Listener> build(Workload workload, WorkloadPorts ports) {
    List<String> hosts = hosts(workload);
    List<Listener> listeners = new ArrayList<>();
    Set<Integer> seen = new LinkedHashSet<>();
    for (InboundPort port : ports.inbound()) {
      if (!ProxylessBuilder.carriesGrpc(port.protocol()) || !seen.add(port.targetPort())) {
        continue;
      }
      FilterChain chain = chain(port.targetPort());
      for (String host : hosts) {
        listeners.add(
            Listener.newBuilder()
                .setName(Names.grpcServerListener(host, port.targetPort()))
                .setAddress(Addresses.socket(address(host), port.targetPort()))
                .addFilterChains(chain)
                .build());
      }
    }
    return ResourceSegment.of(ResourceType.LISTENER, listeners);
  }

  /**
   * The hosts a server in this pod may listen on, as it writes them in the listener name: the
   * wildcards, then every interface address (IPv6 in brackets), each once.
   */
  static List<String> hosts(Workload workload) {
    Set<String> hosts = new LinkedHashSet<>();
    hosts.add(ANY_V4);
    hosts.add(ANY_V6);
    for (PodInterface iface : workload.interfaces()) {
      for (IpAddress ip : iface.ips()) {
        hosts.add(Names.bracketed(ip));
      }
    }
    return List.copyOf(hosts);
  }

  /** The listener address of a host: the literal without brackets ({@code [::]} is {@code ::}). */
  static String address(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static FilterChain chain(int port) {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(ROUTE)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(ROUTE)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setNonForwardingAction(NonForwardingAction.getDefaultInstance())))
            .build();
    HttpConnectionManager manager =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(Names.delimited("inbound_" + Names.WILDCARD_V4 + "_" + port))
            .setCodecType(HttpConnectionManager.CodecType.AUTO)
            .setRouteConfig(routes)
            .addHttpFilters(NetworkFilters.router())
            .build();
    return FilterChain.newBuilder()
        .setName(CHAIN)
        .addFilters(
            Filter.newBuilder().setName(NETWORK_FILTER).setTypedConfig(Protos.pack(manager)))
        .build();
  }
}
