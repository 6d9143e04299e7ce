package io.telmesh.inbound;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.AdditionalAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.telmesh.envoy.AccessLogs;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.IstioMutualTls;
import io.telmesh.envoy.ListenerFilters;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.InboundPort;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.Workload;
import io.telmesh.resources.ProxyProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Builds {@code virtualInbound}: the blackhole and TCP passthrough chains, a chain (or an HTTP and
 * a TCP chain, for sniffed ports) per target port, and telmesh's per-interface chains. Chains
 * depend only on what they do, never on unrelated Services, so an unrelated change leaves their
 * bytes alone and Envoy keeps their connections (see docs/connections.md).
 */
public final class InboundListenerBuilder {

  static final String RAW_BUFFER = "raw_buffer";
  static final String TLS = "tls";
  static final List<String> PLAINTEXT_HTTP_ALPNS = List.of("http/1.1", "h2c");

  private InboundListenerBuilder() {}

  /** The minimal listener for a proxy whose pod is unknown: passthrough chains only. */
  public static Listener passthroughOnly(ProxyProfile profile) {
    return listener(
        profile,
        passthroughChains(profile, AccessLogs.Chain.inbound(), InboundFilter::build),
        new TreeSet<>(),
        new TreeSet<>());
  }

  public static Listener build(Workload workload, InboundPlan plan, ProxyProfile profile) {
    return build(workload, plan, profile, InboundFilter::build);
  }

  /**
   * The listener, its chains' network filters from {@code filters}.
   *
   * @param filters builds a chain's network filter; a translation passes its memo, so proxies with
   *     equal ports share the filter objects rather than each building and packing its own
   */
  public static Listener build(
      Workload workload,
      InboundPlan plan,
      ProxyProfile profile,
      Function<InboundFilter, Filter> filters) {
    AccessLogs.Chain unpinned = unpinnedChain(workload);
    List<FilterChain> chains = new ArrayList<>(passthroughChains(profile, unpinned, filters));
    SortedSet<Integer> sniffed = new TreeSet<>();
    SortedSet<Integer> mutualTls = new TreeSet<>();
    for (InboundPort port : plan.ports()) {
      if (port.protocol() == AppProtocol.AUTO) {
        sniffed.add(port.targetPort());
      }
      if (port.mutualTls()) {
        mutualTls.add(port.targetPort());
      }
      chains.addAll(portChains(port, Optional.empty(), profile, unpinned, filters));
      if (InboundPlan.capturedPort(workload, port)) {
        for (InterfaceBinding binding : plan.interfaces()) {
          chains.addAll(portChains(port, Optional.of(binding), profile, unpinned, filters));
        }
      }
    }
    return listener(profile, chains, sniffed, mutualTls);
  }

  /**
   * What the access log says about chains not pinned to an interface. A pod with only the cluster
   * network receives everything on its default interface; a pod with more has pinned chains for its
   * interfaces, and the unpinned ones see only what matches none of them, so they name neither
   * interface nor network (the local address in the line still tells).
   */
  private static AccessLogs.Chain unpinnedChain(Workload workload) {
    AccessLogs.Chain chain = AccessLogs.Chain.inbound();
    if (workload.hasSecondaryInterfaces()) {
      return chain;
    }
    return workload.defaultInterface().map(i -> chain.on(i.name(), i.network())).orElse(chain);
  }

  /** The chain the access log names, when the profile has logs on. */
  private static Optional<AccessLogs.Chain> logged(ProxyProfile profile, AccessLogs.Chain chain) {
    return profile.accessLog() ? Optional.of(chain) : Optional.empty();
  }

  /**
   * Listener-level fields depend on the pod alone (mode, address families) and on which of its
   * ports are sniffed or accept mutual TLS: any change to them drains every connection of the
   * listener, so nothing else (explicit TCP, HTTP or Diameter ports coming and going) may show up
   * here.
   */
  private static Listener listener(
      ProxyProfile profile,
      List<FilterChain> chains,
      SortedSet<Integer> sniffed,
      SortedSet<Integer> mutualTls) {
    String primary = profile.ipv4() ? Names.WILDCARD_V4 : Names.WILDCARD_V6;
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(Names.VIRTUAL_INBOUND)
            .setAddress(Addresses.socket(primary, Names.INBOUND_CAPTURE_PORT))
            .setTrafficDirection(TrafficDirection.INBOUND)
            .setContinueOnListenerFiltersTimeout(true)
            .addListenerFilters(ListenerFilters.originalDst());
    if (profile.ipv4() && profile.ipv6()) {
      listener.addAdditionalAddresses(
          AdditionalAddress.newBuilder()
              .setAddress(Addresses.socket(Names.WILDCARD_V6, Names.INBOUND_CAPTURE_PORT)));
    }
    if (profile.mode() == InterceptionMode.TPROXY) {
      listener.setTransparent(BoolValue.of(true));
      listener.addListenerFilters(ListenerFilters.originalSrc());
    }
    if (!mutualTls.isEmpty()) {
      listener.addListenerFilters(ListenerFilters.tlsInspectorOnlyOn(mutualTls));
    }
    // Only sniffed ports have chains matching on ALPN; passthrough traffic is not sniffed (unlike
    // Istio), or every explicit port added or removed would change the inspector's predicate.
    if (!sniffed.isEmpty()) {
      listener.addListenerFilters(ListenerFilters.httpInspectorOnlyOn(sniffed));
    }
    return listener.addAllFilterChains(chains).build();
  }

  /**
   * The blackhole (connections to 15006 itself) and the TCP passthrough. Istio's {@code
   * virtualInbound-catchall-http} is left out: it matches only sniffed traffic, and passthrough
   * traffic is not sniffed here.
   */
  private static List<FilterChain> passthroughChains(
      ProxyProfile profile, AccessLogs.Chain logAs, Function<InboundFilter, Filter> filters) {
    FilterChain blackhole =
        FilterChain.newBuilder()
            .setName(Names.VIRTUAL_INBOUND_BLACKHOLE_CHAIN)
            .setFilterChainMatch(
                FilterChainMatch.newBuilder()
                    .setDestinationPort(UInt32Value.of(Names.INBOUND_CAPTURE_PORT)))
            .addFilters(
                filters.apply(
                    new InboundFilter.Tcp(
                        Names.BLACKHOLE_CLUSTER,
                        Names.BLACKHOLE_CLUSTER,
                        Optional.empty(),
                        logged(profile, logAs.port(Names.INBOUND_CAPTURE_PORT)))))
            .build();
    FilterChain tcp =
        FilterChain.newBuilder()
            .setName(Names.VIRTUAL_INBOUND_PASSTHROUGH_CHAIN)
            .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol(RAW_BUFFER))
            .addFilters(
                filters.apply(
                    new InboundFilter.Tcp(
                        Names.INBOUND_PASSTHROUGH_CLUSTER,
                        Names.INBOUND_PASSTHROUGH_CLUSTER,
                        profile.idleTimeout(),
                        logged(profile, logAs))))
            .build();
    return List.of(blackhole, tcp);
  }

  /** The chains of one port: HTTP or TCP, or both (HTTP by ALPN, TCP as fallback) when sniffed. */
  private static List<FilterChain> portChains(
      InboundPort port,
      Optional<InterfaceBinding> binding,
      ProxyProfile profile,
      AccessLogs.Chain unpinned,
      Function<InboundFilter, Filter> filters) {
    int number = port.targetPort();
    AccessLogs.Chain logAs =
        binding
            .map(b -> AccessLogs.Chain.inbound().on(b.interfaceName(), b.network()))
            .orElse(unpinned)
            .port(number);
    String cluster = Names.inboundCluster(number);
    String chainName =
        binding
            .map(b -> Names.interfaceChain(b.interfaceName(), number))
            .orElse(Names.listener(Names.WILDCARD_V4, number));
    List<FilterChain> chains = new ArrayList<>();
    Optional<Filter> http = Optional.empty();
    if (port.protocol().isHttp() || port.protocol() == AppProtocol.AUTO) {
      FilterChainMatch.Builder match = match(number, binding);
      if (port.protocol() == AppProtocol.AUTO) {
        match.addAllApplicationProtocols(PLAINTEXT_HTTP_ALPNS);
      }
      String statPrefix =
          Names.delimited(
              "inbound_"
                  + binding.map(InterfaceBinding::interfaceName).orElse(Names.WILDCARD_V4)
                  + "_"
                  + number);
      http =
          Optional.of(
              filters.apply(
                  new InboundFilter.Http(
                      statPrefix,
                      cluster,
                      "inbound|http|" + number,
                      port.protocol().isHttp2(),
                      logged(profile, logAs))));
      chains.add(chain(chainName, match, http.get(), binding));
    }
    Optional<Filter> tcp = Optional.empty();
    if (!port.protocol().isHttp() || port.mutualTls()) {
      String statPrefix =
          binding.map(b -> Names.interfaceTcpStatPrefix(number, b.interfaceName())).orElse(cluster);
      Optional<Duration> idle =
          port.protocol() == AppProtocol.DIAMETER
              ? Optional.of(Duration.ZERO)
              : profile.idleTimeout();
      tcp =
          Optional.of(
              filters.apply(
                  new InboundFilter.Tcp(statPrefix, cluster, idle, logged(profile, logAs))));
    }
    if (!port.protocol().isHttp()) {
      chains.add(chain(chainName, match(number, binding), tcp.orElseThrow(), binding));
    }
    if (port.mutualTls()) {
      chains.add(mutualTlsChain(chainName, number, binding, port.protocol().isHttp() ? http : tcp));
      // The application's own TLS (a Diameter peer's, say), which the TLS inspector now tells
      // apart from plaintext: passed through as before, as istiod's PERMISSIVE chains do.
      FilterChainMatch.Builder ownTls = match(number, binding).setTransportProtocol(TLS);
      chains.add(chain(chainName, ownTls, tcp.orElseThrow(), binding));
    }
    return chains;
  }

  /**
   * The port's chain for Istio's mutual TLS, beside its plaintext ones (PERMISSIVE). What a sidecar
   * tunnels inside TLS cannot be sniffed, so a sniffed port's TLS chain is its TCP chain; an HTTP
   * port's keeps HTTP, agreeing on h2 or HTTP/1.1 in the handshake.
   *
   * @param filter the port's HTTP filter for an HTTP port, else its TCP proxy
   */
  private static FilterChain mutualTlsChain(
      String name, int number, Optional<InterfaceBinding> binding, Optional<Filter> filter) {
    FilterChainMatch.Builder match =
        match(number, binding)
            .setTransportProtocol(TLS)
            .addAllApplicationProtocols(IstioMutualTls.SERVER_ALPN_MATCH);
    Filter terminated = filter.orElseThrow();
    boolean http = terminated.getName().equals(NetworkFilters.HTTP_CONNECTION_MANAGER);
    return chain(name, match, terminated, binding).toBuilder()
        .setTransportSocket(IstioMutualTls.downstream(http ? List.of("h2", "http/1.1") : List.of()))
        .build();
  }

  private static FilterChainMatch.Builder match(int port, Optional<InterfaceBinding> binding) {
    FilterChainMatch.Builder match =
        FilterChainMatch.newBuilder()
            .setDestinationPort(UInt32Value.of(port))
            .setTransportProtocol(RAW_BUFFER);
    binding.ifPresent(b -> b.addresses().forEach(ip -> match.addPrefixRanges(Addresses.host(ip))));
    return match;
  }

  private static FilterChain chain(
      String name,
      FilterChainMatch.Builder match,
      Filter filter,
      Optional<InterfaceBinding> binding) {
    FilterChain.Builder chain =
        FilterChain.newBuilder().setName(name).setFilterChainMatch(match).addFilters(filter);
    binding.ifPresent(
        b ->
            chain.setMetadata(
                Metadata.newBuilder()
                    .putFilterMetadata(
                        Names.METADATA_NAMESPACE,
                        Struct.newBuilder()
                            .putFields(
                                "interface",
                                Value.newBuilder().setStringValue(b.interfaceName()).build())
                            .putFields(
                                "network", Value.newBuilder().setStringValue(b.network()).build())
                            .build())));
    return chain.build();
  }
}
