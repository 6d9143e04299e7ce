package io.telmesh.validate;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.AdditionalAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.model.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What the cross-resource rules need to know of a group of resources: names, listener addresses,
 * references to clusters and routes, and the violations found inside single resources (duplicate
 * chain matches, duplicate domains, ports out of range). Extracting them means unpacking every
 * filter; combining them is cheap, so facts are extracted once per group and combined per proxy.
 *
 * @param fingerprint a hash of everything above: equal facts, equal fingerprint
 */
public record ResourceFacts(
    List<String> listenerNames,
    List<Located> addresses,
    List<Located> clusterReferences,
    List<Located> routeReferences,
    List<String> clusterNames,
    List<Located> edsServiceNames,
    List<String> routeNames,
    List<String> assignmentNames,
    List<Violation> internal,
    String fingerprint) {

  /** A value found at a path inside a named resource. */
  public record Located(String resourceType, String resourceName, String path, String value) {

    Located placedIn(String name, String prefix) {
      return new Located(resourceType, name, prefix + path, value);
    }
  }

  public static ResourceFacts listeners(List<Listener> listeners) {
    return of(listeners, List.of(), List.of(), List.of());
  }

  /**
   * The listeners' facts, each network filter's from {@code filters}: a validator remembers them
   * per filter object, and proxies with equal ports share their inbound filters.
   */
  public static ResourceFacts listeners(
      List<Listener> listeners, Function<Filter, FilterFacts> filters) {
    Extraction x = new Extraction(filters);
    listeners.forEach(x::listener);
    return x.facts();
  }

  /**
   * What one network filter contributes: its references and violations, with paths relative to the
   * filter and no listener name, placed into each listener that holds it.
   */
  public record FilterFacts(
      List<Located> clusterReferences, List<Located> routeReferences, List<Violation> internal) {

    /** Unpacks the filter's config: the costly part, so callers remember the result. */
    public static FilterFacts of(Filter filter) {
      Extraction x = new Extraction(FilterFacts::of);
      x.filter("", "", filter);
      return new FilterFacts(
          List.copyOf(x.clusterReferences),
          List.copyOf(x.routeReferences),
          List.copyOf(x.internal));
    }

    void placeIn(String listener, String path, Extraction x) {
      clusterReferences.forEach(l -> x.clusterReferences.add(l.placedIn(listener, path)));
      routeReferences.forEach(l -> x.routeReferences.add(l.placedIn(listener, path)));
      internal.forEach(
          v ->
              x.internal.add(
                  new Violation(
                      v.resourceType(), listener, path + v.path(), v.rule(), v.message())));
    }
  }

  public static ResourceFacts clusters(List<Cluster> clusters) {
    return of(List.of(), clusters, List.of(), List.of());
  }

  public static ResourceFacts routes(List<RouteConfiguration> routes) {
    return of(List.of(), List.of(), routes, List.of());
  }

  public static ResourceFacts assignments(List<ClusterLoadAssignment> assignments) {
    return of(List.of(), List.of(), List.of(), assignments);
  }

  public static ResourceFacts of(
      List<Listener> listeners,
      List<Cluster> clusters,
      List<RouteConfiguration> routes,
      List<ClusterLoadAssignment> assignments) {
    Extraction x = new Extraction(FilterFacts::of);
    listeners.forEach(x::listener);
    clusters.forEach(x::cluster);
    routes.forEach(r -> x.route("RouteConfiguration", r.getName(), "", r));
    assignments.forEach(x::assignment);
    return x.facts();
  }

  /** Collects facts resource by resource. */
  private static final class Extraction {
    final List<String> listenerNames = new ArrayList<>();
    final List<Located> addresses = new ArrayList<>();
    final List<Located> clusterReferences = new ArrayList<>();
    final List<Located> routeReferences = new ArrayList<>();
    final List<String> clusterNames = new ArrayList<>();
    final List<Located> edsServiceNames = new ArrayList<>();
    final List<String> routeNames = new ArrayList<>();
    final List<String> assignmentNames = new ArrayList<>();
    final List<Violation> internal = new ArrayList<>();
    final Function<Filter, FilterFacts> filters;

    Extraction(Function<Filter, FilterFacts> filters) {
      this.filters = filters;
    }

    void listener(Listener listener) {
      String name = listener.getName();
      listenerNames.add(name);
      if (listener.hasApiListener()) {
        Unpacked.as(listener.getApiListener().getApiListener(), HttpConnectionManager.class)
            .ifPresentOrElse(
                hcm -> http(name, "api_listener.api_listener", hcm),
                () ->
                    internal.add(
                        new Violation(
                            "Listener",
                            name,
                            "api_listener.api_listener",
                            "listener.api_listener_type",
                            "api_listener must hold an HttpConnectionManager")));
        return;
      }
      List<Address> all = new ArrayList<>();
      all.add(listener.getAddress());
      listener.getAdditionalAddressesList().stream()
          .map(AdditionalAddress::getAddress)
          .forEach(all::add);
      for (int i = 0; i < all.size(); i++) {
        String path = i == 0 ? "address" : "additional_addresses[" + (i - 1) + "].address";
        int port = all.get(i).getSocketAddress().getPortValue();
        if (port < 1 || port > 65535) {
          internal.add(
              new Violation(
                  "Listener",
                  name,
                  path + ".socket_address.port_value",
                  "listener.port_range",
                  "port " + port + " is not 1-65535"));
        }
        addresses.add(
            new Located(
                "Listener", name, path, all.get(i).getSocketAddress().getAddress() + ":" + port));
      }
      chains(listener);
    }

    void chains(Listener listener) {
      String name = listener.getName();
      List<FilterChain> chains = listener.getFilterChainsList();
      if (chains.isEmpty() && !listener.hasDefaultFilterChain()) {
        internal.add(
            new Violation(
                "Listener",
                name,
                "filter_chains",
                "listener.has_chains",
                "a listener needs at least one filter chain"));
      }
      Map<String, Integer> seenKeys = new HashMap<>();
      for (int i = 0; i < chains.size(); i++) {
        FilterChain chain = chains.get(i);
        String path = "filter_chains[" + i + "]";
        for (String key : matchKeys(chain.getFilterChainMatch())) {
          Integer other = seenKeys.putIfAbsent(key, i);
          if (other != null) {
            internal.add(
                new Violation(
                    "Listener",
                    name,
                    path + ".filter_chain_match",
                    "listener.unique_chain_match",
                    "chain '"
                        + chain.getName()
                        + "' has the same matching rules as filter_chains["
                        + other
                        + "] ('"
                        + chains.get(other).getName()
                        + "')"));
            break;
          }
        }
        if (chain.getFiltersCount() == 0) {
          internal.add(
              new Violation(
                  "Listener",
                  name,
                  path + ".filters",
                  "listener.chain_filters",
                  "a filter chain needs at least one network filter"));
        }
        for (int f = 0; f < chain.getFiltersCount(); f++) {
          filters.apply(chain.getFilters(f)).placeIn(name, path + ".filters[" + f + "]", this);
        }
      }
    }

    void filter(String listener, String path, Filter filter) {
      Optional<TcpProxy> tcp = Unpacked.as(filter.getTypedConfig(), TcpProxy.class);
      if (tcp.isPresent()) {
        if (!tcp.get().getCluster().isEmpty()) {
          clusterReferences.add(
              new Located(
                  "Listener", listener, path + ".typed_config.cluster", tcp.get().getCluster()));
        }
        tcp.get()
            .getWeightedClusters()
            .getClustersList()
            .forEach(
                c ->
                    clusterReferences.add(
                        new Located(
                            "Listener",
                            listener,
                            path + ".typed_config.weighted_clusters",
                            c.getName())));
        return;
      }
      Unpacked.as(filter.getTypedConfig(), HttpConnectionManager.class)
          .ifPresent(hcm -> http(listener, path + ".typed_config", hcm));
    }

    void http(String listener, String path, HttpConnectionManager hcm) {
      int filters = hcm.getHttpFiltersCount();
      if (filters == 0
          || !hcm.getHttpFilters(filters - 1).getName().equals("envoy.filters.http.router")) {
        internal.add(
            new Violation(
                "Listener",
                listener,
                path + ".http_filters",
                "http.router_last",
                "the router must be the last HTTP filter"));
      }
      if (hcm.hasRds()) {
        routeReferences.add(
            new Located(
                "Listener",
                listener,
                path + ".rds.route_config_name",
                hcm.getRds().getRouteConfigName()));
      } else if (hcm.hasRouteConfig()) {
        route("Listener", listener, path + ".route_config.", hcm.getRouteConfig());
      }
    }

    void route(String type, String name, String prefix, RouteConfiguration route) {
      if (type.equals("RouteConfiguration")) {
        routeNames.add(name);
      }
      Set<String> domains = new HashSet<>();
      Set<String> hosts = new HashSet<>();
      for (int v = 0; v < route.getVirtualHostsCount(); v++) {
        VirtualHost host = route.getVirtualHosts(v);
        String path = prefix + "virtual_hosts[" + v + "]";
        if (!hosts.add(host.getName())) {
          internal.add(
              new Violation(
                  type,
                  name,
                  path + ".name",
                  "route.unique_virtual_host",
                  "virtual host name " + host.getName() + " is used twice"));
        }
        for (String domain : host.getDomainsList()) {
          if (!domains.add(domain.toLowerCase(Locale.ROOT))) {
            internal.add(
                new Violation(
                    type,
                    name,
                    path + ".domains",
                    "route.unique_domain",
                    "domain " + domain + " is used by more than one virtual host"));
          }
        }
        for (int r = 0; r < host.getRoutesCount(); r++) {
          Route entry = host.getRoutes(r);
          if (!entry.hasRoute()) {
            continue;
          }
          String at = path + ".routes[" + r + "].route.cluster";
          if (!entry.getRoute().getCluster().isEmpty()) {
            clusterReferences.add(new Located(type, name, at, entry.getRoute().getCluster()));
          }
          entry.getRoute().getWeightedClusters().getClustersList().stream()
              .map(WeightedCluster.ClusterWeight::getName)
              .forEach(c -> clusterReferences.add(new Located(type, name, at, c)));
        }
      }
    }

    void cluster(Cluster cluster) {
      clusterNames.add(cluster.getName());
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        String serviceName =
            cluster.getEdsClusterConfig().getServiceName().isEmpty()
                ? cluster.getName()
                : cluster.getEdsClusterConfig().getServiceName();
        edsServiceNames.add(
            new Located(
                "Cluster", cluster.getName(), "eds_cluster_config.service_name", serviceName));
      }
    }

    void assignment(ClusterLoadAssignment assignment) {
      assignmentNames.add(assignment.getClusterName());
      for (int l = 0; l < assignment.getEndpointsCount(); l++) {
        LocalityLbEndpoints locality = assignment.getEndpoints(l);
        for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
          LbEndpoint endpoint = locality.getLbEndpoints(e);
          int port = endpoint.getEndpoint().getAddress().getSocketAddress().getPortValue();
          if (port < 1 || port > 65535) {
            internal.add(
                new Violation(
                    "ClusterLoadAssignment",
                    assignment.getClusterName(),
                    "endpoints["
                        + l
                        + "].lb_endpoints["
                        + e
                        + "].endpoint.address.socket_address.port_value",
                    "endpoint.port_range",
                    "port " + port + " is not 1-65535"));
          }
        }
      }
    }

    ResourceFacts facts() {
      Hasher hasher = Hashing.murmur3_128().newHasher();
      for (List<?> part :
          List.of(
              listenerNames,
              addresses,
              clusterReferences,
              routeReferences,
              clusterNames,
              edsServiceNames,
              routeNames,
              assignmentNames,
              internal)) {
        hasher.putInt(part.size());
        part.forEach(
            item -> hasher.putString(item.toString(), StandardCharsets.UTF_8).putByte((byte) 0));
      }
      return new ResourceFacts(
          List.copyOf(listenerNames),
          List.copyOf(addresses),
          List.copyOf(clusterReferences),
          List.copyOf(routeReferences),
          List.copyOf(clusterNames),
          List.copyOf(edsServiceNames),
          List.copyOf(routeNames),
          List.copyOf(assignmentNames),
          List.copyOf(internal),
          hasher.hash().toString());
    }
  }

  /**
   * The match as Envoy indexes it: one key per combination of its criteria (an empty list is a
   * single "any"). Envoy rejects a listener where two chains share any combination.
   */
  static Set<String> matchKeys(FilterChainMatch match) {
    List<String> keys = new ArrayList<>();
    keys.add(
        Integer.toString(match.hasDestinationPort() ? match.getDestinationPort().getValue() : 0));
    keys = expand(keys, cidrs(match.getPrefixRangesList()));
    keys = expand(keys, match.getServerNamesList());
    keys = expand(keys, List.of(match.getTransportProtocol()));
    keys = expand(keys, match.getApplicationProtocolsList());
    keys = expand(keys, cidrs(match.getDirectSourcePrefixRangesList()));
    keys = expand(keys, List.of(match.getSourceType().name()));
    keys = expand(keys, cidrs(match.getSourcePrefixRangesList()));
    keys = expand(keys, match.getSourcePortsList().stream().map(String::valueOf).toList());
    return new HashSet<>(keys);
  }

  private static List<String> cidrs(List<CidrRange> ranges) {
    return ranges.stream()
        .map(
            r ->
                IpAddress.parse(r.getAddressPrefix())
                        .map(IpAddress::address)
                        .orElse(r.getAddressPrefix())
                    + "/"
                    + (r.hasPrefixLen() ? r.getPrefixLen().getValue() : -1))
        .toList();
  }

  private static List<String> expand(List<String> keys, List<String> values) {
    List<String> options = values.isEmpty() ? List.of("*") : values;
    List<String> result = new ArrayList<>(keys.size() * options.size());
    for (String key : keys) {
      for (String option : options) {
        result.add(key + "|" + option);
      }
    }
    return result;
  }
}
