package io.telmesh.testing;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.telmesh.resources.ProxyResources;
import io.telmesh.validate.Violation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rules grpc-go 1.85 and grpc-java 1.85 apply to xDS resources, as far as they concern what
 * telmesh can emit (research notes issue 12, sections A and B): a fast, in-process stand-in for the
 * real clients, which the e2e tests run as programs. Each rule names the client that enforces it
 * and what happens when it is broken: the whole response NACKed, the resource silently dropped, or
 * RPCs failing at call time. A proxyless client must never meet any of these.
 *
 * <p>Client-side listeners (with an {@code api_listener}) and server-side listeners (without) are
 * checked by their own rules, as both clients decide by that field. Routes are checked wherever
 * they are (RDS resources, or inline in a listener).
 */
public final class ProxylessRules {

  /** One rule: its id (as violations report it) and who enforces it how. */
  public enum Rule {
    EDS_CLUSTER_NAME("eds.cluster_name", "grpc-go NACK: empty resource name"),
    EDS_LOCALITY_PRESENT(
        "eds.locality_present",
        "grpc-go NACKs the whole CLA: 'EDS response contains a locality without ID'"),
    EDS_LOCALITY_WEIGHT(
        "eds.locality_weight",
        "grpc-go and grpc-java silently drop a locality with weight 0/unset"),
    EDS_LOCALITY_UNIQUE(
        "eds.locality_unique", "grpc-go and grpc-java NACK a locality twice in one priority"),
    EDS_PRIORITIES(
        "eds.priorities_contiguous",
        "grpc-go ('priority missing') and grpc-java ('sparse priorities') NACK gaps"),
    EDS_WEIGHT_SUM(
        "eds.weight_sum", "grpc-go NACKs locality or endpoint weight sums above MaxUint32"),
    EDS_ENDPOINT_WEIGHT("eds.endpoint_weight", "grpc-go NACKs an endpoint weight set to 0"),
    EDS_ENDPOINT_ADDRESS(
        "eds.endpoint_address",
        "grpc-java NACKs an lb_endpoint without a socket address or whose address is no IP"),
    EDS_DUPLICATE_ADDRESS(
        "eds.duplicate_address",
        "grpc-go NACKs the same address twice anywhere in a CLA (additional addresses too)"),

    CDS_NAME("cds.name", "grpc-go NACK: empty resource name"),
    CDS_TYPE(
        "cds.type",
        "grpc-go NACKs a whole CDS response holding anything but EDS, LOGICAL_DNS or aggregate"),
    CDS_EDS_CONFIG("cds.eds_config", "both NACK an EDS config source other than ads or self"),
    CDS_LB_POLICY(
        "cds.lb_policy",
        "both NACK lb policies other than ROUND_ROBIN, RING_HASH (xxHash), LEAST_REQUEST (>= 2)"),
    CDS_TRANSPORT_SOCKET(
        "cds.transport_socket",
        "both NACK transport_socket_matches and transport sockets other than TLS"),
    CDS_LRS("cds.lrs_server", "both NACK an lrs_server other than self"),

    LDS_NAME("lds.name", "grpc-go NACK: empty resource name"),
    LDS_CLIENT_HCM(
        "lds.client_hcm",
        "both NACK an api_listener that is not an HttpConnectionManager v3 (client side)"),
    LDS_HCM_IP_DETECTION(
        "lds.hcm_ip_detection",
        "grpc-go NACKs xff_num_trusted_hops or original_ip_detection_extensions (gRFC A41)"),
    LDS_CLIENT_RDS(
        "lds.client_rds",
        "both NACK a client HCM without RDS over ads/self (with a route name) or an inline route"),
    LDS_HTTP_FILTERS(
        "lds.http_filters",
        "both NACK empty, unnamed, duplicate or unsupported HTTP filters and a non-router last"),
    LDS_SERVER_LISTENER_FILTERS(
        "lds.server_listener_filters", "both NACK listener_filters on a server listener"),
    LDS_SERVER_ORIGINAL_DST(
        "lds.server_use_original_dst",
        "grpc-java NACKs use_original_dst when present at all, grpc-go when true"),
    LDS_SERVER_DIRECTION(
        "lds.server_traffic_direction", "grpc-java NACKs a direction other than INBOUND/unset"),
    LDS_SERVER_ADDRESS(
        "lds.server_address",
        "both NACK a server listener without a socket address (or an empty one, a named port)"),
    LDS_SERVER_NAME_ADDRESS(
        "lds.server_name_address",
        "grpc-go serves only when the address equals the host of the listener name (NOT_SERVING)"),
    LDS_SERVER_CHAINS(
        "lds.server_chains",
        "both NACK a server listener without chains; grpc-java NACKs duplicate chain names"),
    LDS_SERVER_ONE_HCM(
        "lds.server_one_hcm",
        "grpc-java NACKs a chain without exactly one HttpConnectionManager; grpc-go any non-HCM"),
    LDS_SERVER_CHAIN_MATCH(
        "lds.server_chain_match",
        "grpc-go drops, grpc-java never matches chains matching destination port, server names,"
            + " ALPN or a transport other than raw_buffer; bad CIDRs NACK"),
    LDS_SERVER_UNIQUE_MATCH(
        "lds.server_unique_match", "both NACK two chains with the same matching rules"),
    LDS_SERVER_RDS(
        "lds.server_rds", "grpc-go NACKs a server HCM whose RDS config source is not ads"),
    LDS_SERVER_NON_FORWARDING(
        "lds.server_non_forwarding",
        "both fail RPCs (UNAVAILABLE) matching a server route without non_forwarding_action"),
    LDS_SERVER_TRANSPORT_SOCKET(
        "lds.server_transport_socket", "both NACK a chain transport socket other than TLS"),

    RDS_NAME("rds.name", "grpc-go NACK: empty resource name"),
    RDS_DOMAINS(
        "rds.domains",
        "grpc-go fails the whole virtual-host lookup on an empty domain or a '*' in the middle"),
    RDS_ROUTE_MATCH(
        "rds.route_match",
        "both NACK a route without prefix, path or a valid safe_regex; query parameter matches are"
            + " skipped"),
    RDS_ROUTE_ACTION(
        "rds.route_action",
        "grpc-java NACKs the whole RouteConfiguration for redirect, direct_response, filter_action"
            + " or no action"),
    RDS_CLUSTER_SPECIFIER(
        "rds.cluster_specifier",
        "both skip routes to cluster_header or with no cluster; a route to '' goes nowhere"),
    RDS_WEIGHTED_CLUSTERS(
        "rds.weighted_clusters",
        "both NACK weighted clusters that are empty, sum to 0 or above MaxUint32"),
    RDS_RETRY_POLICY(
        "rds.retry_policy",
        "grpc-go NACKs num_retries 0, both NACK a back-off without a positive base interval"),
    RDS_FILTER_OVERRIDES(
        "rds.filter_overrides",
        "both validate typed_per_filter_config against their filter registry (router override"
            + " NACKs in grpc-go)");

    private final String id;
    private final String enforcement;

    Rule(String id, String enforcement) {
      this.id = id;
      this.enforcement = enforcement;
    }

    public String id() {
      return id;
    }

    public String enforcement() {
      return enforcement;
    }
  }

  /** The prefix of the server listener names Istio's bootstrap template gives gRPC servers. */
  public static final String SERVER_LISTENER_PREFIX = "xds.istio.io/grpc/lds/inbound/";

  private static final long MAX_UINT32 = 0xFFFFFFFFL;
  private static final String TYPE_PREFIX = "type.googleapis.com/";
  private static final String ROUTER = "envoy.extensions.filters.http.router.v3.Router";
  private static final String TLS_SOCKET = "envoy.transport_sockets.tls";

  /** HTTP filter types the clients have an implementation for, by the side that can run them. */
  private static final Set<String> CLIENT_FILTERS =
      Set.of(
          ROUTER,
          "envoy.extensions.filters.http.fault.v3.HTTPFault",
          "envoy.extensions.filters.http.gcp_authn.v3.GcpAuthnFilterConfig");

  private static final Set<String> SERVER_FILTERS =
      Set.of(
          ROUTER,
          "envoy.extensions.filters.http.rbac.v3.RBAC",
          "envoy.extensions.filters.http.rbac.v3.RBACPerRoute");

  private ProxylessRules() {}

  /** Every violation in everything a proxyless client is sent, sorted. */
  public static List<Violation> check(ProxyResources resources) {
    List<Violation> violations = new ArrayList<>();
    resources.listeners().all().forEach(l -> violations.addAll(listener(l)));
    resources.clusters().all().forEach(c -> violations.addAll(cluster(c)));
    resources.routes().all().forEach(r -> violations.addAll(route(r)));
    resources.endpoints().all().forEach(a -> violations.addAll(assignment(a)));
    return violations.stream().sorted().toList();
  }

  // ---- EDS -------------------------------------------------------------------------------

  public static List<Violation> assignment(ClusterLoadAssignment assignment) {
    Found found = new Found("ClusterLoadAssignment", assignment.getClusterName());
    if (assignment.getClusterName().isEmpty()) {
      found.add("cluster_name", Rule.EDS_CLUSTER_NAME, "empty cluster name");
    }
    Map<Integer, Long> weightByPriority = new HashMap<>();
    Set<String> localities = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    Set<Integer> priorities = new TreeSet<>();
    for (int l = 0; l < assignment.getEndpointsCount(); l++) {
      LocalityLbEndpoints group = assignment.getEndpoints(l);
      String at = "endpoints[" + l + "]";
      priorities.add(group.getPriority());
      if (!group.hasLocality()) {
        found.add(at + ".locality", Rule.EDS_LOCALITY_PRESENT, "no locality field");
      }
      if (!group.hasLoadBalancingWeight() || group.getLoadBalancingWeight().getValue() == 0) {
        found.add(
            at + ".load_balancing_weight",
            Rule.EDS_LOCALITY_WEIGHT,
            "unset or 0: the locality and its endpoints are ignored");
      }
      String key =
          group.getPriority()
              + "|"
              + group.getLocality().getRegion()
              + "|"
              + group.getLocality().getZone()
              + "|"
              + group.getLocality().getSubZone();
      if (!localities.add(key)) {
        found.add(
            at + ".locality",
            Rule.EDS_LOCALITY_UNIQUE,
            "locality " + group.getLocality() + " twice at priority " + group.getPriority());
      }
      long sum =
          weightByPriority.merge(
              group.getPriority(),
              Integer.toUnsignedLong(group.getLoadBalancingWeight().getValue()),
              Long::sum);
      if (sum > MAX_UINT32) {
        found.add(
            at + ".load_balancing_weight",
            Rule.EDS_WEIGHT_SUM,
            "locality weights of priority " + group.getPriority() + " exceed MaxUint32");
      }
      long endpointSum = 0;
      for (int e = 0; e < group.getLbEndpointsCount(); e++) {
        LbEndpoint endpoint = group.getLbEndpoints(e);
        String path = at + ".lb_endpoints[" + e + "]";
        if (endpoint.hasLoadBalancingWeight()
            && endpoint.getLoadBalancingWeight().getValue() == 0) {
          found.add(path + ".load_balancing_weight", Rule.EDS_ENDPOINT_WEIGHT, "weight 0");
        }
        endpointSum +=
            endpoint.hasLoadBalancingWeight()
                ? Integer.toUnsignedLong(endpoint.getLoadBalancingWeight().getValue())
                : 1;
        List<Address> all = new ArrayList<>();
        all.add(endpoint.getEndpoint().getAddress());
        endpoint.getEndpoint().getAdditionalAddressesList().forEach(a -> all.add(a.getAddress()));
        if (!endpoint.hasEndpoint() || !endpoint.getEndpoint().hasAddress()) {
          found.add(path + ".endpoint", Rule.EDS_ENDPOINT_ADDRESS, "no endpoint address");
          continue;
        }
        for (Address address : all) {
          SocketAddress socket = address.getSocketAddress();
          if (!address.hasSocketAddress()
              || !InetAddresses.isInetAddress(socket.getAddress())
              || socket.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
            found.add(
                path + ".endpoint.address",
                Rule.EDS_ENDPOINT_ADDRESS,
                "'" + socket.getAddress() + "' with a port value is required: an IP literal");
            continue;
          }
          String hostPort =
              InetAddresses.toAddrString(InetAddresses.forString(socket.getAddress()))
                  + "|"
                  + socket.getPortValue();
          if (!addresses.add(hostPort)) {
            found.add(
                path + ".endpoint.address",
                Rule.EDS_DUPLICATE_ADDRESS,
                socket.getAddress() + ":" + socket.getPortValue() + " appears twice");
          }
        }
      }
      if (endpointSum > MAX_UINT32) {
        found.add(at + ".lb_endpoints", Rule.EDS_WEIGHT_SUM, "endpoint weights exceed MaxUint32");
      }
    }
    int expected = 0;
    for (int priority : priorities) {
      if (priority != expected) {
        found.add(
            "endpoints",
            Rule.EDS_PRIORITIES,
            "priorities " + priorities + " are not contiguous from 0");
        break;
      }
      expected++;
    }
    return found.violations;
  }

  // ---- CDS -------------------------------------------------------------------------------

  public static List<Violation> cluster(Cluster cluster) {
    Found found = new Found("Cluster", cluster.getName());
    if (cluster.getName().isEmpty()) {
      found.add("name", Rule.CDS_NAME, "empty cluster name");
    }
    if (cluster.hasClusterType()) {
      if (!cluster.getClusterType().getName().equals("envoy.clusters.aggregate")) {
        found.add(
            "cluster_type",
            Rule.CDS_TYPE,
            "custom cluster type " + cluster.getClusterType().getName());
      }
    } else if (cluster.getType() == Cluster.DiscoveryType.EDS) {
      ConfigSource source = cluster.getEdsClusterConfig().getEdsConfig();
      if (!source.hasAds() && !source.hasSelf()) {
        found.add(
            "eds_cluster_config.eds_config",
            Rule.CDS_EDS_CONFIG,
            "config source " + source.getConfigSourceSpecifierCase() + " is not ads or self");
      }
    } else if (cluster.getType() == Cluster.DiscoveryType.LOGICAL_DNS) {
      ClusterLoadAssignment dns = cluster.getLoadAssignment();
      if (dns.getEndpointsCount() != 1 || dns.getEndpoints(0).getLbEndpointsCount() != 1) {
        found.add(
            "load_assignment", Rule.CDS_TYPE, "LOGICAL_DNS needs exactly one locality, one host");
      }
    } else {
      found.add(
          "type",
          Rule.CDS_TYPE,
          cluster.getType() + " is not supported (the whole CDS response is NACKed)");
    }
    switch (cluster.getLbPolicy()) {
      case ROUND_ROBIN -> {}
      case RING_HASH -> {
        if (cluster.getRingHashLbConfig().getHashFunction()
            != Cluster.RingHashLbConfig.HashFunction.XX_HASH) {
          found.add("ring_hash_lb_config", Rule.CDS_LB_POLICY, "ring hash needs XX_HASH");
        }
      }
      case LEAST_REQUEST -> {
        if (cluster.getLeastRequestLbConfig().hasChoiceCount()
            && cluster.getLeastRequestLbConfig().getChoiceCount().getValue() < 2) {
          found.add("least_request_lb_config", Rule.CDS_LB_POLICY, "choice_count below 2");
        }
      }
      default ->
          found.add("lb_policy", Rule.CDS_LB_POLICY, cluster.getLbPolicy() + " is not supported");
    }
    if (cluster.getTransportSocketMatchesCount() > 0) {
      found.add(
          "transport_socket_matches", Rule.CDS_TRANSPORT_SOCKET, "transport_socket_matches set");
    }
    if (cluster.hasTransportSocket()
        && !cluster.getTransportSocket().getName().equals(TLS_SOCKET)) {
      found.add(
          "transport_socket",
          Rule.CDS_TRANSPORT_SOCKET,
          "transport socket " + cluster.getTransportSocket().getName());
    }
    if (cluster.hasLrsServer() && !cluster.getLrsServer().hasSelf()) {
      found.add("lrs_server", Rule.CDS_LRS, "lrs_server is not self");
    }
    return found.violations;
  }

  // ---- LDS -------------------------------------------------------------------------------

  public static List<Violation> listener(Listener listener) {
    Found found = new Found("Listener", listener.getName());
    if (listener.getName().isEmpty()) {
      found.add("name", Rule.LDS_NAME, "empty listener name");
    }
    if (listener.hasApiListener()) {
      clientListener(listener, found);
    } else {
      serverListener(listener, found);
    }
    return found.violations;
  }

  private static void clientListener(Listener listener, Found found) {
    Any any = listener.getApiListener().getApiListener();
    HttpConnectionManager hcm = hcm(any);
    if (hcm == null) {
      found.add(
          "api_listener.api_listener",
          Rule.LDS_CLIENT_HCM,
          "holds " + any.getTypeUrl() + ", not an HttpConnectionManager");
      return;
    }
    String at = "api_listener.api_listener";
    ipDetection(hcm, at, found);
    if (hcm.hasRds()) {
      ConfigSource source = hcm.getRds().getConfigSource();
      if (!source.hasAds() && !source.hasSelf()) {
        found.add(at + ".rds.config_source", Rule.LDS_CLIENT_RDS, "RDS source not ads or self");
      }
      if (hcm.getRds().getRouteConfigName().isEmpty()) {
        found.add(at + ".rds.route_config_name", Rule.LDS_CLIENT_RDS, "empty route name");
      }
    } else if (hcm.hasRouteConfig()) {
      routeConfiguration(hcm.getRouteConfig(), at + ".route_config.", false, found);
    } else {
      found.add(at, Rule.LDS_CLIENT_RDS, "neither RDS nor an inline route configuration");
    }
    httpFilters(hcm, at, CLIENT_FILTERS, found);
  }

  private static void serverListener(Listener listener, Found found) {
    if (listener.getListenerFiltersCount() > 0) {
      found.add(
          "listener_filters",
          Rule.LDS_SERVER_LISTENER_FILTERS,
          listener.getListenerFiltersCount() + " listener filters");
    }
    if (listener.hasUseOriginalDst()) {
      found.add(
          "use_original_dst",
          Rule.LDS_SERVER_ORIGINAL_DST,
          "use_original_dst is present (" + listener.getUseOriginalDst().getValue() + ")");
    }
    if (listener.getTrafficDirection() != TrafficDirection.UNSPECIFIED
        && listener.getTrafficDirection() != TrafficDirection.INBOUND) {
      found.add(
          "traffic_direction",
          Rule.LDS_SERVER_DIRECTION,
          "traffic direction " + listener.getTrafficDirection());
    }
    SocketAddress socket = listener.getAddress().getSocketAddress();
    if (!listener.getAddress().hasSocketAddress()
        || socket.getAddress().isEmpty()
        || socket.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE) {
      found.add(
          "address.socket_address",
          Rule.LDS_SERVER_ADDRESS,
          "a socket address with an address and a port value is required");
    } else if (listener.getName().startsWith(SERVER_LISTENER_PREFIX)) {
      nameMatchesAddress(listener.getName(), socket, found);
    }
    if (listener.getFilterChainsCount() == 0 && !listener.hasDefaultFilterChain()) {
      found.add("filter_chains", Rule.LDS_SERVER_CHAINS, "no filter chain");
    }
    Set<String> names = new HashSet<>();
    Map<String, Integer> matches = new HashMap<>();
    for (int c = 0; c < listener.getFilterChainsCount(); c++) {
      FilterChain chain = listener.getFilterChains(c);
      String at = "filter_chains[" + c + "]";
      if (!chain.getName().isEmpty() && !names.add(chain.getName())) {
        found.add(at + ".name", Rule.LDS_SERVER_CHAINS, "chain name " + chain.getName() + " twice");
      }
      Integer other = matches.putIfAbsent(chain.getFilterChainMatch().toString(), c);
      if (other != null) {
        found.add(
            at + ".filter_chain_match",
            Rule.LDS_SERVER_UNIQUE_MATCH,
            "same match as filter_chains[" + other + "]");
      }
      serverChain(chain, at, found);
    }
    if (listener.hasDefaultFilterChain()) {
      serverChain(listener.getDefaultFilterChain(), "default_filter_chain", found);
    }
  }

  /**
   * grpc-go fills the template with {@code lis.Addr().String()} and then requires the listener's
   * address to be that host, as a string ({@code [::]:8080} needs {@code ::}), and the port equal
   * (or 0).
   */
  private static void nameMatchesAddress(String name, SocketAddress socket, Found found) {
    String hostPort = name.substring(SERVER_LISTENER_PREFIX.length());
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    String port = colon < 0 ? "" : hostPort.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean portMatches =
        socket.getPortValue() == 0 || port.equals(Integer.toString(socket.getPortValue()));
    if (!host.equals(socket.getAddress()) || !portMatches) {
      found.add(
          "address.socket_address",
          Rule.LDS_SERVER_NAME_ADDRESS,
          "address "
              + socket.getAddress()
              + ":"
              + socket.getPortValue()
              + " does not match the listening address "
              + hostPort
              + " of the name");
    }
  }

  private static void serverChain(FilterChain chain, String at, Found found) {
    FilterChainMatch match = chain.getFilterChainMatch();
    List<String> dropped = new ArrayList<>();
    if (match.hasDestinationPort() && match.getDestinationPort().getValue() != 0) {
      dropped.add("destination_port");
    }
    if (match.getServerNamesCount() > 0) {
      dropped.add("server_names");
    }
    if (!match.getTransportProtocol().isEmpty()
        && !match.getTransportProtocol().equals("raw_buffer")) {
      dropped.add("transport_protocol " + match.getTransportProtocol());
    }
    if (match.getApplicationProtocolsCount() > 0) {
      dropped.add("application_protocols");
    }
    List<CidrRange> cidrs = new ArrayList<>(match.getPrefixRangesList());
    cidrs.addAll(match.getSourcePrefixRangesList());
    for (CidrRange cidr : cidrs) {
      boolean ip = InetAddresses.isInetAddress(cidr.getAddressPrefix());
      int max = ip && cidr.getAddressPrefix().contains(":") ? 128 : 32;
      if (!ip || (cidr.hasPrefixLen() && cidr.getPrefixLen().getValue() > max)) {
        dropped.add("CIDR " + cidr.getAddressPrefix() + "/" + cidr.getPrefixLen().getValue());
      }
    }
    if (!dropped.isEmpty()) {
      found.add(at + ".filter_chain_match", Rule.LDS_SERVER_CHAIN_MATCH, "matches " + dropped);
    }
    if (chain.hasTransportSocket() && !chain.getTransportSocket().getName().equals(TLS_SOCKET)) {
      found.add(
          at + ".transport_socket",
          Rule.LDS_SERVER_TRANSPORT_SOCKET,
          "transport socket " + chain.getTransportSocket().getName());
    }
    if (chain.getFiltersCount() != 1) {
      found.add(
          at + ".filters",
          Rule.LDS_SERVER_ONE_HCM,
          chain.getFiltersCount() + " network filters, exactly one HCM needed");
    }
    Set<String> filterNames = new HashSet<>();
    for (int f = 0; f < chain.getFiltersCount(); f++) {
      Filter filter = chain.getFilters(f);
      String path = at + ".filters[" + f + "]";
      HttpConnectionManager hcm = hcm(filter.getTypedConfig());
      if (filter.getName().isEmpty() || !filterNames.add(filter.getName()) || hcm == null) {
        found.add(
            path,
            Rule.LDS_SERVER_ONE_HCM,
            "network filter '"
                + filter.getName()
                + "' must be a uniquely named HttpConnectionManager");
        continue;
      }
      serverHcm(hcm, path + ".typed_config", found);
    }
  }

  private static void serverHcm(HttpConnectionManager hcm, String at, Found found) {
    ipDetection(hcm, at, found);
    if (hcm.hasRds()) {
      if (!hcm.getRds().getConfigSource().hasAds() || hcm.getRds().getRouteConfigName().isEmpty()) {
        found.add(at + ".rds", Rule.LDS_SERVER_RDS, "server RDS must be over ads with a name");
      }
    } else if (hcm.hasRouteConfig()) {
      routeConfiguration(hcm.getRouteConfig(), at + ".route_config.", true, found);
    } else {
      found.add(at, Rule.LDS_SERVER_RDS, "neither RDS nor an inline route configuration");
    }
    httpFilters(hcm, at, SERVER_FILTERS, found);
  }

  private static void ipDetection(HttpConnectionManager hcm, String at, Found found) {
    if (hcm.getXffNumTrustedHops() != 0 || hcm.getOriginalIpDetectionExtensionsCount() > 0) {
      found.add(
          at,
          Rule.LDS_HCM_IP_DETECTION,
          "xff_num_trusted_hops or original_ip_detection_extensions set");
    }
  }

  private static void httpFilters(
      HttpConnectionManager hcm, String at, Set<String> supported, Found found) {
    String path = at + ".http_filters";
    if (hcm.getHttpFiltersCount() == 0) {
      found.add(path, Rule.LDS_HTTP_FILTERS, "no HTTP filters");
      return;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      HttpFilter filter = hcm.getHttpFilters(i);
      String type = typeName(filter.getTypedConfig());
      boolean last = i == hcm.getHttpFiltersCount() - 1;
      if (filter.getName().isEmpty() || !names.add(filter.getName())) {
        found.add(path + "[" + i + "]", Rule.LDS_HTTP_FILTERS, "missing or duplicate name");
      }
      if (!supported.contains(type) && !filter.getIsOptional()) {
        found.add(
            path + "[" + i + "]",
            Rule.LDS_HTTP_FILTERS,
            "'" + type + "' is not supported on this side and not optional");
      }
      if (last != type.equals(ROUTER)) {
        found.add(
            path + "[" + i + "]",
            Rule.LDS_HTTP_FILTERS,
            last ? "the last HTTP filter must be the router" : "the router must be last");
      }
    }
  }

  // ---- RDS -------------------------------------------------------------------------------

  public static List<Violation> route(RouteConfiguration route) {
    Found found = new Found("RouteConfiguration", route.getName());
    if (route.getName().isEmpty()) {
      found.add("name", Rule.RDS_NAME, "empty route configuration name");
    }
    routeConfiguration(route, "", false, found);
    return found.violations;
  }

  /**
   * @param server whether the routes serve a gRPC server (inline in a server listener), whose
   *     routes must all be non-forwarding
   */
  private static void routeConfiguration(
      RouteConfiguration config, String prefix, boolean server, Found found) {
    if (config.getClusterSpecifierPluginsCount() > 0) {
      found.add(
          prefix + "cluster_specifier_plugins",
          Rule.RDS_FILTER_OVERRIDES,
          "cluster specifier plugins");
    }
    for (int v = 0; v < config.getVirtualHostsCount(); v++) {
      VirtualHost host = config.getVirtualHosts(v);
      String at = prefix + "virtual_hosts[" + v + "]";
      for (String domain : host.getDomainsList()) {
        if (!validDomain(domain)) {
          found.add(at + ".domains", Rule.RDS_DOMAINS, "invalid domain '" + domain + "'");
        }
      }
      if (host.getTypedPerFilterConfigCount() > 0) {
        found.add(at + ".typed_per_filter_config", Rule.RDS_FILTER_OVERRIDES, "filter overrides");
      }
      if (host.hasRetryPolicy()) {
        retry(host.getRetryPolicy(), at + ".retry_policy", found);
      }
      for (int r = 0; r < host.getRoutesCount(); r++) {
        route(host.getRoutes(r), at + ".routes[" + r + "]", server, found);
      }
    }
  }

  private static void route(Route route, String at, boolean server, Found found) {
    RouteMatch match = route.getMatch();
    switch (match.getPathSpecifierCase()) {
      case PREFIX, PATH -> {}
      case SAFE_REGEX -> {
        try {
          Pattern.compile(match.getSafeRegex().getRegex());
        } catch (PatternSyntaxException e) {
          found.add(at + ".match.safe_regex", Rule.RDS_ROUTE_MATCH, "invalid regex");
        }
      }
      default ->
          found.add(
              at + ".match",
              Rule.RDS_ROUTE_MATCH,
              "path specifier " + match.getPathSpecifierCase() + " is not supported");
    }
    if (match.getQueryParametersCount() > 0) {
      found.add(at + ".match.query_parameters", Rule.RDS_ROUTE_MATCH, "route would be skipped");
    }
    if (route.getTypedPerFilterConfigCount() > 0) {
      found.add(at + ".typed_per_filter_config", Rule.RDS_FILTER_OVERRIDES, "filter overrides");
    }
    switch (route.getActionCase()) {
      case ROUTE -> routeAction(route.getRoute(), at + ".route", found);
      case NON_FORWARDING_ACTION -> {}
      default ->
          found.add(at, Rule.RDS_ROUTE_ACTION, "action " + route.getActionCase() + " unsupported");
    }
    if (server && route.getActionCase() != Route.ActionCase.NON_FORWARDING_ACTION) {
      found.add(at, Rule.LDS_SERVER_NON_FORWARDING, "a server route needs non_forwarding_action");
    }
  }

  private static void routeAction(RouteAction action, String at, Found found) {
    switch (action.getClusterSpecifierCase()) {
      case CLUSTER -> {
        if (action.getCluster().isEmpty()) {
          found.add(at + ".cluster", Rule.RDS_CLUSTER_SPECIFIER, "empty cluster name");
        }
      }
      case WEIGHTED_CLUSTERS -> {
        List<WeightedCluster.ClusterWeight> clusters =
            action.getWeightedClusters().getClustersList();
        long sum = 0;
        for (WeightedCluster.ClusterWeight c : clusters) {
          sum += Integer.toUnsignedLong(c.getWeight().getValue());
          if (c.getTypedPerFilterConfigCount() > 0) {
            found.add(
                at + ".weighted_clusters", Rule.RDS_FILTER_OVERRIDES, "per-cluster overrides");
          }
        }
        if (clusters.isEmpty() || sum == 0 || sum > MAX_UINT32) {
          found.add(
              at + ".weighted_clusters",
              Rule.RDS_WEIGHTED_CLUSTERS,
              clusters.size() + " clusters summing to " + sum);
        }
      }
      case CLUSTER_SPECIFIER_PLUGIN -> {}
      default ->
          found.add(
              at,
              Rule.RDS_CLUSTER_SPECIFIER,
              "cluster specifier " + action.getClusterSpecifierCase() + " makes the route skipped");
    }
    if (action.hasRetryPolicy()) {
      retry(action.getRetryPolicy(), at + ".retry_policy", found);
    }
  }

  private static void retry(RetryPolicy retry, String at, Found found) {
    if (retry.hasNumRetries() && retry.getNumRetries().getValue() == 0) {
      found.add(at + ".num_retries", Rule.RDS_RETRY_POLICY, "num_retries 0");
    }
    if (retry.hasRetryBackOff()) {
      var backOff = retry.getRetryBackOff();
      boolean base =
          backOff.hasBaseInterval()
              && (backOff.getBaseInterval().getSeconds() > 0
                  || backOff.getBaseInterval().getNanos() > 0);
      boolean max =
          !backOff.hasMaxInterval()
              || compare(backOff.getMaxInterval(), backOff.getBaseInterval()) >= 0;
      if (!base || !max) {
        found.add(
            at + ".retry_back_off",
            Rule.RDS_RETRY_POLICY,
            "base interval must be positive and not above max interval");
      }
    }
  }

  private static int compare(com.google.protobuf.Duration a, com.google.protobuf.Duration b) {
    return a.getSeconds() != b.getSeconds()
        ? Long.compare(a.getSeconds(), b.getSeconds())
        : Integer.compare(a.getNanos(), b.getNanos());
  }

  /** grpc-go's domain kinds: {@code *}, {@code *suffix}, {@code prefix*}, exact; else invalid. */
  static boolean validDomain(String domain) {
    if (domain.isEmpty()) {
      return false;
    }
    if (domain.equals("*")) {
      return true;
    }
    int stars = domain.length() - domain.replace("*", "").length();
    return stars == 0 || (stars == 1 && (domain.startsWith("*") || domain.endsWith("*")));
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static HttpConnectionManager hcm(Any any) {
    if (!any.is(HttpConnectionManager.class)) {
      return null;
    }
    try {
      return any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static String typeName(Any any) {
    String url = any.getTypeUrl();
    return url.startsWith(TYPE_PREFIX) ? url.substring(TYPE_PREFIX.length()) : url;
  }

  /** Violations of one resource. */
  private static final class Found {
    final String type;
    final String name;
    final List<Violation> violations = new ArrayList<>();

    Found(String type, String name) {
      this.type = type;
      this.name = name;
    }

    void add(String path, Rule rule, String message) {
      violations.add(new Violation(type, name, path, rule.id(), message));
    }
  }
}
