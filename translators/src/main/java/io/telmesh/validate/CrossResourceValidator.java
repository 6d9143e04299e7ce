package io.telmesh.validate;

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
import io.telmesh.translate.ProxyResources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The rules Envoy enforces across resources, which no proto annotation can express. Pure: the
 * same resources always give the same violations, sorted.
 */
public final class CrossResourceValidator {

  private CrossResourceValidator() {}

  public static List<Violation> validate(ProxyResources resources) {
    return validate(resources.listeners().all(), resources.clusters().all(), resources.routes().all(),
        resources.endpoints().all());
  }

  public static List<Violation> validate(List<Listener> listeners, List<Cluster> clusters,
      List<RouteConfiguration> routes, List<ClusterLoadAssignment> endpoints) {
    List<Violation> violations = new ArrayList<>();
    Set<String> clusterNames = new HashSet<>();
    clusters.forEach(c -> {
      if (!clusterNames.add(c.getName())) {
        violations.add(new Violation("Cluster", c.getName(), "name", "cluster.unique_name", "duplicate cluster name"));
      }
    });
    Map<String, RouteConfiguration> routeByName = new HashMap<>();
    routes.forEach(r -> {
      if (routeByName.putIfAbsent(r.getName(), r) != null) {
        violations.add(new Violation("RouteConfiguration", r.getName(), "name", "route.unique_name",
            "duplicate route configuration name"));
      }
    });
    Set<String> assignments = new HashSet<>();
    endpoints.forEach(e -> assignments.add(e.getClusterName()));

    checkListeners(listeners, clusterNames, routeByName.keySet(), violations);
    for (RouteConfiguration route : routes) {
      checkRoute("RouteConfiguration", route.getName(), "", route, clusterNames, violations);
    }
    for (Cluster cluster : clusters) {
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        String serviceName = cluster.getEdsClusterConfig().getServiceName().isEmpty()
            ? cluster.getName() : cluster.getEdsClusterConfig().getServiceName();
        if (!assignments.contains(serviceName)) {
          violations.add(new Violation("Cluster", cluster.getName(), "eds_cluster_config.service_name",
              "cluster.eds_assignment", "no ClusterLoadAssignment named " + serviceName));
        }
      }
    }
    for (ClusterLoadAssignment assignment : endpoints) {
      checkEndpoints(assignment, violations);
    }
    return violations.stream().sorted().toList();
  }

  private static void checkListeners(List<Listener> listeners, Set<String> clusters, Set<String> routes,
      List<Violation> violations) {
    Set<String> names = new HashSet<>();
    Map<String, String> addressOwner = new HashMap<>();
    for (Listener listener : listeners) {
      String name = listener.getName();
      if (!names.add(name)) {
        violations.add(new Violation("Listener", name, "name", "listener.unique_name", "duplicate listener name"));
      }
      if (listener.hasApiListener()) {
        Unpacked.as(listener.getApiListener().getApiListener(), HttpConnectionManager.class).ifPresentOrElse(
            hcm -> checkHttp(name, "api_listener.api_listener", hcm, clusters, routes, violations),
            () -> violations.add(new Violation("Listener", name, "api_listener.api_listener",
                "listener.api_listener_type", "api_listener must hold an HttpConnectionManager")));
        continue;
      }
      List<Address> addresses = new ArrayList<>();
      addresses.add(listener.getAddress());
      listener.getAdditionalAddressesList().stream().map(AdditionalAddress::getAddress).forEach(addresses::add);
      for (int i = 0; i < addresses.size(); i++) {
        String path = i == 0 ? "address" : "additional_addresses[" + (i - 1) + "].address";
        Address address = addresses.get(i);
        int port = address.getSocketAddress().getPortValue();
        if (port < 1 || port > 65535) {
          violations.add(new Violation("Listener", name, path + ".socket_address.port_value", "listener.port_range",
              "port " + port + " is not 1-65535"));
        }
        String key = address.getSocketAddress().getAddress() + ":" + port;
        String owner = addressOwner.putIfAbsent(key, name);
        if (owner != null && !owner.equals(name)) {
          violations.add(new Violation("Listener", name, path, "listener.unique_address",
              "address " + key + " is already used by listener " + owner));
        }
      }
      checkChains(listener, clusters, routes, violations);
    }
  }

  private static void checkChains(Listener listener, Set<String> clusters, Set<String> routes,
      List<Violation> violations) {
    String name = listener.getName();
    Map<String, Integer> seenKeys = new HashMap<>();
    List<FilterChain> chains = listener.getFilterChainsList();
    if (chains.isEmpty() && !listener.hasDefaultFilterChain()) {
      violations.add(new Violation("Listener", name, "filter_chains", "listener.has_chains",
          "a listener needs at least one filter chain"));
    }
    for (int i = 0; i < chains.size(); i++) {
      FilterChain chain = chains.get(i);
      String path = "filter_chains[" + i + "]";
      for (String key : matchKeys(chain.getFilterChainMatch())) {
        Integer other = seenKeys.putIfAbsent(key, i);
        if (other != null) {
          violations.add(new Violation("Listener", name, path + ".filter_chain_match", "listener.unique_chain_match",
              "chain '" + chain.getName() + "' has the same matching rules as filter_chains[" + other + "] ('"
                  + chains.get(other).getName() + "')"));
          break;
        }
      }
      if (chain.getFiltersCount() == 0) {
        violations.add(new Violation("Listener", name, path + ".filters", "listener.chain_filters",
            "a filter chain needs at least one network filter"));
      }
      for (int f = 0; f < chain.getFiltersCount(); f++) {
        checkFilter(name, path + ".filters[" + f + "]", chain.getFilters(f), clusters, routes, violations);
      }
    }
  }

  private static void checkFilter(String listener, String path, Filter filter, Set<String> clusters,
      Set<String> routes, List<Violation> violations) {
    Optional<TcpProxy> tcp = Unpacked.as(filter.getTypedConfig(), TcpProxy.class);
    if (tcp.isPresent()) {
      List<String> targets = new ArrayList<>();
      if (!tcp.get().getCluster().isEmpty()) {
        targets.add(tcp.get().getCluster());
      }
      tcp.get().getWeightedClusters().getClustersList().forEach(c -> targets.add(c.getName()));
      for (String target : targets) {
        if (!clusters.contains(target)) {
          violations.add(new Violation("Listener", listener, path + ".typed_config.cluster", "reference.cluster",
              "tcp_proxy names cluster " + target + ", which does not exist"));
        }
      }
      return;
    }
    Unpacked.as(filter.getTypedConfig(), HttpConnectionManager.class)
        .ifPresent(hcm -> checkHttp(listener, path + ".typed_config", hcm, clusters, routes, violations));
  }

  private static void checkHttp(String listener, String path, HttpConnectionManager hcm, Set<String> clusters,
      Set<String> routes, List<Violation> violations) {
    int filters = hcm.getHttpFiltersCount();
    if (filters == 0 || !hcm.getHttpFilters(filters - 1).getName().equals("envoy.filters.http.router")) {
      violations.add(new Violation("Listener", listener, path + ".http_filters", "http.router_last",
          "the router must be the last HTTP filter"));
    }
    if (hcm.hasRds()) {
      String route = hcm.getRds().getRouteConfigName();
      if (!routes.contains(route)) {
        violations.add(new Violation("Listener", listener, path + ".rds.route_config_name", "reference.route",
            "RDS names route configuration " + route + ", which does not exist"));
      }
    } else if (hcm.hasRouteConfig()) {
      checkRoute("Listener", listener, path + ".route_config.", hcm.getRouteConfig(), clusters, violations);
    }
  }

  private static void checkRoute(String type, String name, String prefix, RouteConfiguration route,
      Set<String> clusters, List<Violation> violations) {
    Set<String> domains = new HashSet<>();
    Set<String> hosts = new HashSet<>();
    for (int v = 0; v < route.getVirtualHostsCount(); v++) {
      VirtualHost host = route.getVirtualHosts(v);
      String path = prefix + "virtual_hosts[" + v + "]";
      if (!hosts.add(host.getName())) {
        violations.add(new Violation(type, name, path + ".name", "route.unique_virtual_host",
            "virtual host name " + host.getName() + " is used twice"));
      }
      for (String domain : host.getDomainsList()) {
        if (!domains.add(domain.toLowerCase(java.util.Locale.ROOT))) {
          violations.add(new Violation(type, name, path + ".domains", "route.unique_domain",
              "domain " + domain + " is used by more than one virtual host"));
        }
      }
      for (int r = 0; r < host.getRoutesCount(); r++) {
        Route entry = host.getRoutes(r);
        List<String> targets = new ArrayList<>();
        if (entry.hasRoute()) {
          if (!entry.getRoute().getCluster().isEmpty()) {
            targets.add(entry.getRoute().getCluster());
          }
          entry.getRoute().getWeightedClusters().getClustersList().stream()
              .map(WeightedCluster.ClusterWeight::getName).forEach(targets::add);
        }
        for (String target : targets) {
          if (!clusters.contains(target)) {
            violations.add(new Violation(type, name, path + ".routes[" + r + "].route.cluster", "reference.cluster",
                "route names cluster " + target + ", which does not exist"));
          }
        }
      }
    }
  }

  private static void checkEndpoints(ClusterLoadAssignment assignment, List<Violation> violations) {
    for (int l = 0; l < assignment.getEndpointsCount(); l++) {
      LocalityLbEndpoints locality = assignment.getEndpoints(l);
      for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
        LbEndpoint endpoint = locality.getLbEndpoints(e);
        int port = endpoint.getEndpoint().getAddress().getSocketAddress().getPortValue();
        if (port < 1 || port > 65535) {
          violations.add(new Violation("ClusterLoadAssignment", assignment.getClusterName(),
              "endpoints[" + l + "].lb_endpoints[" + e + "].endpoint.address.socket_address.port_value",
              "endpoint.port_range", "port " + port + " is not 1-65535"));
        }
      }
    }
  }

  /**
   * The match as Envoy indexes it: one key per combination of its criteria (an empty list is a
   * single "any"). Envoy rejects a listener where two chains share any combination.
   */
  static Set<String> matchKeys(FilterChainMatch match) {
    List<String> keys = new ArrayList<>();
    keys.add(Integer.toString(match.hasDestinationPort() ? match.getDestinationPort().getValue() : 0));
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
    return ranges.stream().map(r -> IpAddress.parse(r.getAddressPrefix()).map(IpAddress::address)
        .orElse(r.getAddressPrefix()) + "/" + (r.hasPrefixLen() ? r.getPrefixLen().getValue() : -1)).toList();
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
