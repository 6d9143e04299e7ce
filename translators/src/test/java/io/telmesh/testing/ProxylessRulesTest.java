package io.telmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SelfConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.telmesh.testing.ProxylessRules.Rule;
import io.telmesh.validate.Violation;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rule of {@link ProxylessRules} catches a resource made by hand to break it (and only that
 * rule), the hand-made good resources pass, and every rule has such a case.
 */
class ProxylessRulesTest {

  private static final String CLUSTER = "outbound|50051||greeter.grpc.svc.cluster.local";
  private static final String SERVER_NAME = "xds.istio.io/grpc/lds/inbound/[::]:50051";

  // ---- good resources, shaped as grpc-go and grpc-java accept them -----------------------

  private static LbEndpoint endpoint(String ip, int port) {
    return LbEndpoint.newBuilder()
        .setEndpoint(Endpoint.newBuilder().setAddress(socket(ip, port)))
        .setLoadBalancingWeight(UInt32Value.of(1))
        .build();
  }

  private static Address socket(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }

  private static LocalityLbEndpoints.Builder group(String zone, LbEndpoint... endpoints) {
    return LocalityLbEndpoints.newBuilder()
        .setLocality(Locality.newBuilder().setZone(zone))
        .addAllLbEndpoints(List.of(endpoints))
        .setLoadBalancingWeight(UInt32Value.of(endpoints.length));
  }

  static ClusterLoadAssignment goodAssignment() {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(CLUSTER)
        .addEndpoints(group("", endpoint("10.1.0.1", 50051)))
        .addEndpoints(group("zone-a", endpoint("10.1.0.2", 50051), endpoint("fd00::2", 50051)))
        .build();
  }

  static Cluster goodCluster() {
    return Cluster.newBuilder()
        .setName(CLUSTER)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()).setServiceName(CLUSTER))
        .build();
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder()
        .setName("envoy.filters.http.router")
        .setTypedConfig(Any.pack(Router.getDefaultInstance()))
        .build();
  }

  private static HttpConnectionManager.Builder clientHcm() {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix("greeter")
        .setRds(
            Rds.newBuilder()
                .setConfigSource(ads())
                .setRouteConfigName("greeter.grpc.svc.cluster.local:50051"))
        .addHttpFilters(router());
  }

  private static Listener client(HttpConnectionManager.Builder hcm) {
    return Listener.newBuilder()
        .setName("greeter.grpc:50051")
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.build())))
        .build();
  }

  static Listener goodClientListener() {
    return client(clientHcm());
  }

  private static Route.Builder nonForwarding() {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setNonForwardingAction(NonForwardingAction.getDefaultInstance());
  }

  private static HttpConnectionManager.Builder serverHcm(Route.Builder route) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix("inbound")
        .setRouteConfig(
            RouteConfiguration.newBuilder()
                .setName("inbound")
                .addVirtualHosts(
                    VirtualHost.newBuilder().setName("inbound").addDomains("*").addRoutes(route)))
        .addHttpFilters(router());
  }

  private static FilterChain.Builder serverChain(HttpConnectionManager.Builder hcm) {
    return FilterChain.newBuilder()
        .setName("inbound-plaintext")
        .addFilters(
            Filter.newBuilder()
                .setName("inbound-hcmplaintext")
                .setTypedConfig(Any.pack(hcm.build())));
  }

  static Listener goodServerListener() {
    return Listener.newBuilder()
        .setName(SERVER_NAME)
        .setAddress(socket("::", 50051))
        .addFilterChains(serverChain(serverHcm(nonForwarding())))
        .build();
  }

  private static Route.Builder toCluster() {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster(CLUSTER));
  }

  private static RouteConfiguration routes(Route.Builder route) {
    return RouteConfiguration.newBuilder()
        .setName("greeter.grpc.svc.cluster.local:50051")
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("greeter")
                .addAllDomains(
                    List.of(
                        "greeter.grpc.svc.cluster.local",
                        "greeter:50051",
                        "[fd00::5]:50051",
                        "*.grpc",
                        "greeter.*"))
                .addRoutes(route))
        .build();
  }

  static RouteConfiguration goodRoutes() {
    return routes(toCluster());
  }

  // ---- one bad resource per case ----------------------------------------------------------

  record Case(Rule rule, String what, Message resource) {
    @Override
    public String toString() {
      return rule.id() + ": " + what;
    }
  }

  private static Case eds(Rule rule, String what, UnaryOperator<ClusterLoadAssignment.Builder> f) {
    return new Case(rule, what, f.apply(goodAssignment().toBuilder()).build());
  }

  private static Case cds(Rule rule, String what, UnaryOperator<Cluster.Builder> f) {
    return new Case(rule, what, f.apply(goodCluster().toBuilder()).build());
  }

  private static Case clientLds(
      Rule rule, String what, UnaryOperator<HttpConnectionManager.Builder> f) {
    return new Case(rule, what, client(f.apply(clientHcm())));
  }

  private static Case serverLds(Rule rule, String what, UnaryOperator<Listener.Builder> f) {
    return new Case(rule, what, f.apply(goodServerListener().toBuilder()).build());
  }

  private static Case rds(Rule rule, String what, Route.Builder route) {
    return new Case(rule, what, routes(route));
  }

  static Stream<Case> cases() {
    return Stream.of(
        eds(Rule.EDS_CLUSTER_NAME, "no cluster name", b -> b.setClusterName("")),
        eds(
            Rule.EDS_LOCALITY_PRESENT,
            "a group without the locality field",
            b -> b.setEndpoints(0, b.getEndpoints(0).toBuilder().clearLocality())),
        eds(
            Rule.EDS_LOCALITY_WEIGHT,
            "a group without weight",
            b -> b.setEndpoints(0, b.getEndpoints(0).toBuilder().clearLoadBalancingWeight())),
        eds(
            Rule.EDS_LOCALITY_WEIGHT,
            "a group of weight 0",
            b ->
                b.setEndpoints(
                    0, b.getEndpoints(0).toBuilder().setLoadBalancingWeight(UInt32Value.of(0)))),
        eds(
            Rule.EDS_LOCALITY_UNIQUE,
            "the same locality twice",
            b -> b.addEndpoints(group("zone-a", endpoint("10.1.0.3", 50051)))),
        eds(
            Rule.EDS_PRIORITIES,
            "priority 2 without 1",
            b -> b.addEndpoints(group("zone-b", endpoint("10.1.0.3", 50051)).setPriority(2))),
        eds(
            Rule.EDS_WEIGHT_SUM,
            "locality weights above MaxUint32",
            b ->
                b.setEndpoints(
                        0, b.getEndpoints(0).toBuilder().setLoadBalancingWeight(UInt32Value.of(-1)))
                    .setEndpoints(
                        1,
                        b.getEndpoints(1).toBuilder().setLoadBalancingWeight(UInt32Value.of(-1)))),
        eds(
            Rule.EDS_ENDPOINT_WEIGHT,
            "an endpoint of weight 0",
            b ->
                b.setEndpoints(
                    0,
                    b.getEndpoints(0).toBuilder()
                        .setLbEndpoints(
                            0,
                            endpoint("10.1.0.1", 50051).toBuilder()
                                .setLoadBalancingWeight(UInt32Value.of(0))))),
        eds(
            Rule.EDS_ENDPOINT_ADDRESS,
            "a host name",
            b -> b.addEndpoints(group("zone-b", endpoint("greeter-0.example", 50051)))),
        eds(
            Rule.EDS_ENDPOINT_ADDRESS,
            "an lb_endpoint without endpoint",
            b ->
                b.addEndpoints(
                    group("zone-b")
                        .addLbEndpoints(LbEndpoint.getDefaultInstance())
                        .setLoadBalancingWeight(UInt32Value.of(1)))),
        eds(
            Rule.EDS_DUPLICATE_ADDRESS,
            "one address in two localities",
            b -> b.addEndpoints(group("zone-b", endpoint("10.1.0.1", 50051)))),
        eds(
            Rule.EDS_DUPLICATE_ADDRESS,
            "one IPv6 address in two spellings",
            b -> b.addEndpoints(group("zone-b", endpoint("fd00:0::2", 50051)))),
        cds(Rule.CDS_NAME, "no name", b -> b.setName("")),
        cds(
            Rule.CDS_TYPE,
            "STATIC (Envoy's BlackHoleCluster)",
            b -> b.setType(Cluster.DiscoveryType.STATIC).clearEdsClusterConfig()),
        cds(
            Rule.CDS_TYPE,
            "ORIGINAL_DST (Envoy's PassthroughCluster)",
            b -> b.setType(Cluster.DiscoveryType.ORIGINAL_DST).clearEdsClusterConfig()),
        cds(
            Rule.CDS_EDS_CONFIG,
            "EDS over a REST API source",
            b ->
                b.setEdsClusterConfig(
                    Cluster.EdsClusterConfig.newBuilder()
                        .setEdsConfig(
                            ConfigSource.newBuilder()
                                .setApiConfigSource(ApiConfigSource.getDefaultInstance())))),
        cds(
            Rule.CDS_LB_POLICY,
            "CLUSTER_PROVIDED",
            b -> b.setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)),
        cds(Rule.CDS_LB_POLICY, "MAGLEV", b -> b.setLbPolicy(Cluster.LbPolicy.MAGLEV)),
        cds(
            Rule.CDS_LB_POLICY,
            "ring hash with murmur",
            b ->
                b.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                    .setRingHashLbConfig(
                        Cluster.RingHashLbConfig.newBuilder()
                            .setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2))),
        cds(
            Rule.CDS_TRANSPORT_SOCKET,
            "transport_socket_matches",
            b ->
                b.addTransportSocketMatches(
                    Cluster.TransportSocketMatch.newBuilder()
                        .setName("tlsMode-istio")
                        .setTransportSocket(TransportSocket.newBuilder().setName("tls")))),
        cds(
            Rule.CDS_TRANSPORT_SOCKET,
            "a raw_buffer transport socket",
            b ->
                b.setTransportSocket(
                    TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer"))),
        cds(Rule.CDS_LRS, "LRS to another server", b -> b.setLrsServer(ads())),
        new Case(Rule.LDS_NAME, "no name", goodClientListener().toBuilder().setName("").build()),
        new Case(
            Rule.LDS_CLIENT_HCM,
            "an api_listener holding a tcp_proxy",
            goodClientListener().toBuilder()
                .setApiListener(
                    ApiListener.newBuilder()
                        .setApiListener(Any.pack(TcpProxy.newBuilder().setStatPrefix("x").build())))
                .build()),
        clientLds(Rule.LDS_HCM_IP_DETECTION, "trusted XFF hops", b -> b.setXffNumTrustedHops(1)),
        clientLds(
            Rule.LDS_CLIENT_RDS,
            "RDS over a REST source",
            b ->
                b.setRds(
                    b.getRds().toBuilder()
                        .setConfigSource(
                            ConfigSource.newBuilder()
                                .setApiConfigSource(ApiConfigSource.getDefaultInstance())))),
        clientLds(
            Rule.LDS_CLIENT_RDS,
            "RDS without a route name",
            b -> b.setRds(b.getRds().toBuilder().setRouteConfigName(""))),
        clientLds(Rule.LDS_CLIENT_RDS, "no route specifier", b -> b.clearRds()),
        clientLds(Rule.LDS_HTTP_FILTERS, "no HTTP filter", b -> b.clearHttpFilters()),
        clientLds(
            Rule.LDS_HTTP_FILTERS,
            "the router not last",
            b ->
                b.addHttpFilters(
                    HttpFilter.newBuilder()
                        .setName("envoy.filters.http.fault")
                        .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))),
        clientLds(
            Rule.LDS_HTTP_FILTERS,
            "RBAC on the client side",
            b ->
                b.clearHttpFilters()
                    .addHttpFilters(
                        HttpFilter.newBuilder()
                            .setName("envoy.filters.http.rbac")
                            .setTypedConfig(Any.pack(RBAC.getDefaultInstance())))
                    .addHttpFilters(router())),
        clientLds(
            Rule.LDS_HTTP_FILTERS,
            "two filters of one name",
            b ->
                b.clearHttpFilters()
                    .addHttpFilters(
                        HttpFilter.newBuilder()
                            .setName("envoy.filters.http.router")
                            .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                    .addHttpFilters(router())),
        serverLds(
            Rule.LDS_SERVER_LISTENER_FILTERS,
            "an original_dst listener filter",
            b -> b.addListenerFilters(ListenerFilter.newBuilder().setName("original_dst"))),
        serverLds(
            Rule.LDS_SERVER_ORIGINAL_DST,
            "use_original_dst: false (present)",
            b -> b.setUseOriginalDst(BoolValue.of(false))),
        serverLds(
            Rule.LDS_SERVER_DIRECTION,
            "OUTBOUND",
            b -> b.setTrafficDirection(TrafficDirection.OUTBOUND)),
        serverLds(Rule.LDS_SERVER_ADDRESS, "no address", b -> b.clearAddress()),
        serverLds(
            Rule.LDS_SERVER_ADDRESS, "an empty address", b -> b.setAddress(socket("", 50051))),
        serverLds(
            Rule.LDS_SERVER_NAME_ADDRESS,
            "[::] named, 0:0:0:0:0:0:0:0 given",
            b -> b.setAddress(socket("0:0:0:0:0:0:0:0", 50051))),
        serverLds(
            Rule.LDS_SERVER_NAME_ADDRESS,
            "[::]:50051 named, port 50052 given",
            b -> b.setAddress(socket("::", 50052))),
        serverLds(Rule.LDS_SERVER_CHAINS, "no chain", b -> b.clearFilterChains()),
        serverLds(
            Rule.LDS_SERVER_CHAINS,
            "two chains of one name",
            b ->
                b.addFilterChains(
                    serverChain(serverHcm(nonForwarding()))
                        .setFilterChainMatch(
                            FilterChainMatch.newBuilder()
                                .addSourcePrefixRanges(
                                    CidrRange.newBuilder()
                                        .setAddressPrefix("10.0.0.0")
                                        .setPrefixLen(UInt32Value.of(8)))))),
        serverLds(
            Rule.LDS_SERVER_ONE_HCM,
            "a tcp_proxy chain",
            b ->
                b.setFilterChains(
                    0,
                    FilterChain.newBuilder()
                        .setName("inbound-plaintext")
                        .addFilters(
                            Filter.newBuilder()
                                .setName("envoy.filters.network.tcp_proxy")
                                .setTypedConfig(
                                    Any.pack(
                                        TcpProxy.newBuilder()
                                            .setStatPrefix("x")
                                            .setCluster("c")
                                            .build()))))),
        serverLds(
            Rule.LDS_SERVER_ONE_HCM,
            "two HCMs in one chain",
            b ->
                b.setFilterChains(
                    0,
                    b.getFilterChains(0).toBuilder()
                        .addFilters(
                            b.getFilterChains(0).getFilters(0).toBuilder().setName("second")))),
        serverLds(
            Rule.LDS_SERVER_CHAIN_MATCH,
            "a destination_port match (Istio's sidecar chains)",
            b ->
                b.setFilterChains(
                    0,
                    b.getFilterChains(0).toBuilder()
                        .setFilterChainMatch(
                            FilterChainMatch.newBuilder()
                                .setDestinationPort(UInt32Value.of(50051))))),
        serverLds(
            Rule.LDS_SERVER_CHAIN_MATCH,
            "a TLS transport match",
            b ->
                b.setFilterChains(
                    0,
                    b.getFilterChains(0).toBuilder()
                        .setFilterChainMatch(
                            FilterChainMatch.newBuilder().setTransportProtocol("tls")))),
        serverLds(
            Rule.LDS_SERVER_UNIQUE_MATCH,
            "two chains with the same match",
            b ->
                b.addFilterChains(
                    serverChain(serverHcm(nonForwarding())).setName("inbound-other"))),
        serverLds(
            Rule.LDS_SERVER_RDS,
            "server RDS over self",
            b ->
                b.setFilterChains(
                    0,
                    serverChain(
                        serverHcm(nonForwarding())
                            .setRds(
                                Rds.newBuilder()
                                    .setRouteConfigName("inbound")
                                    .setConfigSource(
                                        ConfigSource.newBuilder()
                                            .setSelf(SelfConfigSource.getDefaultInstance())))))),
        serverLds(
            Rule.LDS_SERVER_NON_FORWARDING,
            "a server route forwarding to a cluster",
            b -> b.setFilterChains(0, serverChain(serverHcm(toCluster())))),
        serverLds(
            Rule.LDS_SERVER_TRANSPORT_SOCKET,
            "a raw_buffer transport socket",
            b ->
                b.setFilterChains(
                    0,
                    b.getFilterChains(0).toBuilder()
                        .setTransportSocket(
                            TransportSocket.newBuilder()
                                .setName("envoy.transport_sockets.raw_buffer")))),
        serverLds(
            Rule.LDS_HTTP_FILTERS,
            "fault on the server side",
            b ->
                b.setFilterChains(
                    0,
                    serverChain(
                        serverHcm(nonForwarding())
                            .clearHttpFilters()
                            .addHttpFilters(
                                HttpFilter.newBuilder()
                                    .setName("envoy.filters.http.fault")
                                    .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
                            .addHttpFilters(router())))),
        new Case(Rule.RDS_NAME, "no name", goodRoutes().toBuilder().setName("").build()),
        new Case(
            Rule.RDS_DOMAINS,
            "a '*' in the middle",
            goodRoutes().toBuilder()
                .setVirtualHosts(
                    0, goodRoutes().getVirtualHosts(0).toBuilder().addDomains("greeter.*.svc"))
                .build()),
        new Case(
            Rule.RDS_DOMAINS,
            "an empty domain",
            goodRoutes().toBuilder()
                .setVirtualHosts(0, goodRoutes().getVirtualHosts(0).toBuilder().addDomains(""))
                .build()),
        rds(
            Rule.RDS_ROUTE_MATCH,
            "no path specifier",
            toCluster().setMatch(RouteMatch.getDefaultInstance())),
        rds(
            Rule.RDS_ROUTE_MATCH,
            "an invalid regex",
            toCluster()
                .setMatch(
                    RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("(")))),
        rds(
            Rule.RDS_ROUTE_MATCH,
            "a query parameter match",
            toCluster()
                .setMatch(
                    RouteMatch.newBuilder()
                        .setPrefix("/")
                        .addQueryParameters(QueryParameterMatcher.newBuilder().setName("x")))),
        rds(
            Rule.RDS_ROUTE_ACTION,
            "a redirect",
            toCluster().setRedirect(RedirectAction.newBuilder().setHostRedirect("x"))),
        rds(
            Rule.RDS_ROUTE_ACTION,
            "a direct response",
            toCluster().setDirectResponse(DirectResponseAction.newBuilder().setStatus(404))),
        rds(Rule.RDS_ROUTE_ACTION, "no action", toCluster().clearAction()),
        rds(
            Rule.RDS_CLUSTER_SPECIFIER,
            "cluster_header",
            toCluster().setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster"))),
        rds(
            Rule.RDS_CLUSTER_SPECIFIER,
            "an empty cluster name",
            toCluster().setRoute(RouteAction.newBuilder().setCluster(""))),
        rds(
            Rule.RDS_WEIGHTED_CLUSTERS,
            "weights summing to 0",
            toCluster()
                .setRoute(
                    RouteAction.newBuilder()
                        .setWeightedClusters(
                            WeightedCluster.newBuilder()
                                .addClusters(
                                    WeightedCluster.ClusterWeight.newBuilder()
                                        .setName(CLUSTER)
                                        .setWeight(UInt32Value.of(0)))))),
        rds(
            Rule.RDS_WEIGHTED_CLUSTERS,
            "weights above MaxUint32",
            toCluster()
                .setRoute(
                    RouteAction.newBuilder()
                        .setWeightedClusters(
                            WeightedCluster.newBuilder()
                                .addClusters(
                                    WeightedCluster.ClusterWeight.newBuilder()
                                        .setName(CLUSTER)
                                        .setWeight(UInt32Value.of(-1)))
                                .addClusters(
                                    WeightedCluster.ClusterWeight.newBuilder()
                                        .setName("other")
                                        .setWeight(UInt32Value.of(2)))))),
        rds(
            Rule.RDS_RETRY_POLICY,
            "num_retries 0",
            toCluster()
                .setRoute(
                    RouteAction.newBuilder()
                        .setCluster(CLUSTER)
                        .setRetryPolicy(
                            RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(0))))),
        rds(
            Rule.RDS_RETRY_POLICY,
            "a back-off without base interval",
            toCluster()
                .setRoute(
                    RouteAction.newBuilder()
                        .setCluster(CLUSTER)
                        .setRetryPolicy(
                            RetryPolicy.newBuilder()
                                .setRetryBackOff(
                                    RetryPolicy.RetryBackOff.newBuilder()
                                        .setMaxInterval(Duration.newBuilder().setSeconds(1)))))),
        rds(
            Rule.RDS_FILTER_OVERRIDES,
            "a router override on a route",
            toCluster()
                .putTypedPerFilterConfig(
                    "envoy.filters.http.router", Any.pack(Router.getDefaultInstance()))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachRuleCatchesItsBadResource(Case c) {
    assertThat(violations(c.resource()))
        .extracting(Violation::rule)
        .as("%s", c)
        .containsOnly(c.rule().id());
  }

  @Test
  void everyRuleHasABadResource() {
    Set<Rule> covered = cases().map(Case::rule).collect(Collectors.toSet());
    assertThat(EnumSet.complementOf(EnumSet.copyOf(covered))).isEmpty();
  }

  @Test
  void theGoodResourcesPass() {
    for (Message good :
        List.of(
            goodAssignment(),
            goodCluster(),
            goodClientListener(),
            goodServerListener(),
            goodRoutes())) {
      assertThat(violations(good)).as("%s", good).isEmpty();
    }
  }

  @Test
  void grpcGoDomainKinds() {
    assertThat(
            Stream.of("*", "a.b", "*.b", "a.*", "[::1]:80", "", "a.*.b", "**", "*a*")
                .filter(ProxylessRules::validDomain))
        .containsExactly("*", "a.b", "*.b", "a.*", "[::1]:80");
  }

  private static List<Violation> violations(Message resource) {
    if (resource instanceof ClusterLoadAssignment a) {
      return ProxylessRules.assignment(a);
    }
    if (resource instanceof Cluster c) {
      return ProxylessRules.cluster(c);
    }
    if (resource instanceof Listener l) {
      return ProxylessRules.listener(l);
    }
    return ProxylessRules.route((RouteConfiguration) resource);
  }
}
