package io.telmesh.debug;

import io.telmesh.status.ProxyStatusTracker;
import io.telmesh.xds.ProxyCache;
import io.telmesh.xds.ProxyRegistry;
import io.telmesh.xds.ProxyRegistry.Connection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Views of connected proxies (debug clients are never registered, so never listed). */
public final class ProxyViews {

  private final ProxyRegistry registry;
  private final ProxyStatusTracker tracker;
  private final ProxyCache cache;

  public ProxyViews(ProxyRegistry registry, ProxyStatusTracker tracker, ProxyCache cache) {
    this.registry = registry;
    this.tracker = tracker;
    this.cache = cache;
  }

  List<ProxyView> all() {
    return registry.connections().stream()
        .sorted(
            Comparator.comparing((Connection c) -> c.node().proxyName())
                .thenComparing(c -> c.node().id()))
        .map(this::view)
        .toList();
  }

  /** A connected proxy by Istio's debug name {@code pod.namespace}. */
  Optional<ProxyView> byName(String proxyName) {
    return all().stream().filter(v -> v.name().equals(proxyName)).findFirst();
  }

  /** Each connected proxy's state per type, as {@code proxy-status} reports it. */
  public List<ProxySync> syncStates() {
    return all().stream().map(ProxyViews::sync).toList();
  }

  private static ProxySync sync(ProxyView view) {
    java.util.SortedMap<String, ProxySync.TypeSync> types = new java.util.TreeMap<>();
    view.status()
        .forEach(
            (type, status) -> {
              io.envoyproxy.envoy.service.status.v3.ConfigStatus state =
                  ClientConfigs.syncStatus(status);
              String word =
                  state == io.envoyproxy.envoy.service.status.v3.ConfigStatus.ERROR
                      ? "NACKED"
                      : state.name();
              types.put(
                  io.telmesh.snapshot.TypeUrls.shortName(type),
                  new ProxySync.TypeSync(
                      word,
                      status.lastSent().map(s -> s.version()).orElse(""),
                      status.nacked() ? status.lastNack().map(n -> n.message()).orElse("") : ""));
            });
    io.telmesh.node.ProxyNode node = view.connection().node();
    return new ProxySync(
        node.id(),
        view.name(),
        node.type().name().toLowerCase(java.util.Locale.ROOT),
        node.pod(),
        types);
  }

  private ProxyView view(Connection connection) {
    String id = connection.node().id();
    return new ProxyView(connection, tracker.status(id), cache.snapshot(id));
  }
}
