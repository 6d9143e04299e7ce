package io.telmesh.envoy;

import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilterChainMatchPredicate;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.original_src.v3.OriginalSrc;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.type.v3.Int32Range;
import java.util.Collection;
import java.util.List;

/** Listener filters, spelled as Istio spells them. */
public final class ListenerFilters {

  public static final String ORIGINAL_DST = "envoy.filters.listener.original_dst";
  public static final String ORIGINAL_SRC = "envoy.filters.listener.original_src";
  public static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
  public static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

  private ListenerFilters() {}

  public static ListenerFilter originalDst() {
    return ListenerFilter.newBuilder()
        .setName(ORIGINAL_DST)
        .setTypedConfig(Protos.pack(OriginalDst.getDefaultInstance()))
        .build();
  }

  /** TPROXY mode: upstream connections keep the client's address, marked so iptables skips them. */
  public static ListenerFilter originalSrc() {
    return ListenerFilter.newBuilder()
        .setName(ORIGINAL_SRC)
        .setTypedConfig(Protos.pack(OriginalSrc.newBuilder().setMark(Names.PROXY_MARK).build()))
        .build();
  }

  /**
   * The HTTP inspector on every connection (outbound sniffed Service ports: one port per listener).
   */
  public static ListenerFilter httpInspector() {
    return ListenerFilter.newBuilder()
        .setName(HTTP_INSPECTOR)
        .setTypedConfig(Protos.pack(HttpInspector.getDefaultInstance()))
        .build();
  }

  /**
   * The HTTP inspector, running only on the given ports (those whose chains match on ALPN) and
   * disabled everywhere else. Listing the ports it runs on, rather than Istio's list of ports it is
   * disabled on, keeps this listener-level field unchanged when an explicit TCP, HTTP or Diameter
   * port comes or goes: a change of listener filters drains every connection of the listener,
   * Diameter peers included. Opaque protocols are never sniffed either way.
   *
   * @param sniffedPorts not empty
   */
  public static ListenerFilter httpInspectorOnlyOn(Collection<Integer> sniffedPorts) {
    List<Integer> ports = sniffedPorts.stream().sorted().distinct().toList();
    if (ports.isEmpty()) {
      throw new IllegalArgumentException("an HTTP inspector that never runs is left out instead");
    }
    return httpInspector().toBuilder()
        .setFilterDisabled(
            ListenerFilterChainMatchPredicate.newBuilder().setNotMatch(anyPort(ports)))
        .build();
  }

  /**
   * The TLS inspector, running only on the ports whose chains accept Istio's mutual TLS, for the
   * same reason as {@link #httpInspectorOnlyOn}: a port gaining mutual TLS is the only change that
   * touches it. It goes before the HTTP inspector, which then leaves TLS connections alone.
   *
   * @param ports not empty
   */
  public static ListenerFilter tlsInspectorOnlyOn(Collection<Integer> ports) {
    List<Integer> sorted = ports.stream().sorted().distinct().toList();
    if (sorted.isEmpty()) {
      throw new IllegalArgumentException("a TLS inspector that never runs is left out instead");
    }
    return ListenerFilter.newBuilder()
        .setName(TLS_INSPECTOR)
        .setTypedConfig(Protos.pack(TlsInspector.getDefaultInstance()))
        .setFilterDisabled(
            ListenerFilterChainMatchPredicate.newBuilder().setNotMatch(anyPort(sorted)))
        .build();
  }

  /** A predicate matching any of the ports; ranges are half-open {@code [p, p+1)}. */
  private static ListenerFilterChainMatchPredicate anyPort(List<Integer> ports) {
    List<ListenerFilterChainMatchPredicate> rules =
        ports.stream()
            .map(
                p ->
                    ListenerFilterChainMatchPredicate.newBuilder()
                        .setDestinationPortRange(Int32Range.newBuilder().setStart(p).setEnd(p + 1))
                        .build())
            .toList();
    if (rules.size() == 1) {
      return rules.get(0);
    }
    return ListenerFilterChainMatchPredicate.newBuilder()
        .setOrMatch(ListenerFilterChainMatchPredicate.MatchSet.newBuilder().addAllRules(rules))
        .build();
  }
}
