package io.telmesh.proxyless;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every proxyless gRPC client of one mesh state shares: the client listeners every namespace
 * sees ({@code <fqdn>:<port>}, {@code <svc>.<ns>:<port>}, {@code <svc>.<ns>.svc:<port>}), their
 * routes and clusters; plus the short-name listeners ({@code <svc>:<port>}) of one namespace's
 * clients, built once per namespace on first use.
 *
 * <p>Thread-safe: the only mutable state is the per-namespace memo, whose values are immutable.
 */
public final class ProxylessOutbound {

  private static final ResourceSegment<Listener> NONE =
      ResourceSegment.empty(ResourceType.LISTENER);

  private final ResourceSegment<Listener> listeners;
  private final ResourceSegment<RouteConfiguration> routes;
  private final ResourceSegment<Cluster> clusters;
  private final Map<String, List<GrpcPort>> portsByNamespace;
  private final Map<String, ResourceSegment<Listener>> shortNames = new ConcurrentHashMap<>();

  ProxylessOutbound(
      ResourceSegment<Listener> listeners,
      ResourceSegment<RouteConfiguration> routes,
      ResourceSegment<Cluster> clusters,
      Map<String, List<GrpcPort>> portsByNamespace) {
    this.listeners = listeners;
    this.routes = routes;
    this.clusters = clusters;
    this.portsByNamespace = Map.copyOf(portsByNamespace);
  }

  /** The client listeners of every spelling but the bare Service name. */
  public ResourceSegment<Listener> listeners() {
    return listeners;
  }

  /**
   * The {@code <svc>:<port>} listeners a client in this namespace may ask for: one per gRPC-capable
   * port of the namespace's Services. Built on the first call for a namespace, then the same
   * object; a namespace without Services gets a shared empty segment and is not remembered, so
   * clients naming arbitrary namespaces cannot grow the memo.
   */
  public ResourceSegment<Listener> shortNameListeners(String namespace) {
    List<GrpcPort> ports = portsByNamespace.get(namespace);
    if (ports == null) {
      return NONE;
    }
    return shortNames.computeIfAbsent(namespace, n -> ProxylessBuilder.shortNameListeners(ports));
  }

  /** One route configuration per Service port, named {@code <fqdn>:<port>}. */
  public ResourceSegment<RouteConfiguration> routes() {
    return routes;
  }

  /** One EDS cluster per Service port, {@code outbound|<port>||<fqdn>}. */
  public ResourceSegment<Cluster> clusters() {
    return clusters;
  }
}
