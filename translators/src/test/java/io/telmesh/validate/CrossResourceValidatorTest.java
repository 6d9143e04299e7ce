package io.telmesh.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.NetworkFilters;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each cross-resource rule, broken by hand, is reported with its path and rule. */
class CrossResourceValidatorTest {

  private static final Cluster BACKEND = Clusters.eds("backend").build();
  private static final ClusterLoadAssignment BACKEND_CLA =
      ClusterLoadAssignment.newBuilder().setClusterName("backend").build();

  private static FilterChain chain(String name, FilterChainMatch match, String cluster) {
    return FilterChain.newBuilder()
        .setName(name)
        .setFilterChainMatch(match)
        .addFilters(NetworkFilters.tcpProxy(cluster, cluster, Optional.empty()))
        .build();
  }

  private static Listener listener(String name, int port, FilterChain... chains) {
    return Listener.newBuilder()
        .setName(name)
        .setAddress(Addresses.socket("0.0.0.0", port))
        .addAllFilterChains(List.of(chains))
        .build();
  }

  @Test
  void healthyResourcesPass() {
    Listener l = listener("l", 80, chain("a", FilterChainMatch.getDefaultInstance(), "backend"));
    assertThat(
            CrossResourceValidator.validate(
                List.of(l), List.of(BACKEND), List.of(), List.of(BACKEND_CLA)))
        .isEmpty();
  }

  @Test
  void identicalChainMatchesAreRejected() {
    FilterChainMatch match =
        FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(80)).build();
    Listener l = listener("l", 80, chain("a", match, "backend"), chain("b", match, "backend"));
    assertThat(
            CrossResourceValidator.validate(
                List.of(l), List.of(BACKEND), List.of(), List.of(BACKEND_CLA)))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.rule()).isEqualTo("listener.unique_chain_match");
              assertThat(v.path()).isEqualTo("filter_chains[1].filter_chain_match");
            });
  }

  @Test
  void overlappingPrefixRangesAreRejectedAsEnvoyDoes() {
    CidrRange a =
        CidrRange.newBuilder()
            .setAddressPrefix("10.0.0.1")
            .setPrefixLen(UInt32Value.of(32))
            .build();
    CidrRange b =
        CidrRange.newBuilder()
            .setAddressPrefix("10.0.0.2")
            .setPrefixLen(UInt32Value.of(32))
            .build();
    Listener l =
        listener(
            "l",
            80,
            chain(
                "a",
                FilterChainMatch.newBuilder().addPrefixRanges(a).addPrefixRanges(b).build(),
                "backend"),
            chain("b", FilterChainMatch.newBuilder().addPrefixRanges(b).build(), "backend"));
    assertThat(
            CrossResourceValidator.validate(
                List.of(l), List.of(BACKEND), List.of(), List.of(BACKEND_CLA)))
        .extracting(Violation::rule)
        .containsExactly("listener.unique_chain_match");
  }

  @Test
  void differentMatchesPass() {
    Listener l =
        listener(
            "l",
            80,
            chain(
                "a",
                FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(80)).build(),
                "backend"),
            chain(
                "b",
                FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(81)).build(),
                "backend"));
    assertThat(
            CrossResourceValidator.validate(
                List.of(l), List.of(BACKEND), List.of(), List.of(BACKEND_CLA)))
        .isEmpty();
  }

  @Test
  void missingClustersRoutesAndAssignmentsAreReported() {
    Listener tcp =
        listener("tcp", 80, chain("a", FilterChainMatch.getDefaultInstance(), "nowhere"));
    Listener http =
        Listener.newBuilder()
            .setName("http")
            .setAddress(Addresses.socket("0.0.0.0", 81))
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        NetworkFilters.httpConnectionManager(
                            NetworkFilters.sidecarHttp("x", false)
                                .setRds(NetworkFilters.rds("missing-route"))
                                .build())))
            .build();
    RouteConfiguration route =
        RouteConfiguration.newBuilder()
            .setName("r")
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("v")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster("gone"))))
            .build();
    List<Violation> violations =
        CrossResourceValidator.validate(
            List.of(tcp, http), List.of(BACKEND), List.of(route), List.of());
    assertThat(violations)
        .extracting(Violation::rule)
        .containsExactlyInAnyOrder(
            "reference.cluster", "reference.route", "reference.cluster", "cluster.eds_assignment");
    assertThat(violations)
        .anySatisfy(
            v ->
                assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config.cluster"));
    assertThat(violations)
        .anySatisfy(
            v ->
                assertThat(v.path())
                    .isEqualTo("filter_chains[0].filters[0].typed_config.rds.route_config_name"));
    assertThat(violations)
        .anySatisfy(
            v -> assertThat(v.path()).isEqualTo("virtual_hosts[0].routes[0].route.cluster"));
  }

  @Test
  void duplicateListenerAddressesAndDomainsAreReported() {
    Listener a = listener("a", 80, chain("x", FilterChainMatch.getDefaultInstance(), "backend"));
    Listener b = listener("b", 80, chain("x", FilterChainMatch.getDefaultInstance(), "backend"));
    RouteConfiguration route =
        RouteConfiguration.newBuilder()
            .setName("r")
            .addVirtualHosts(VirtualHost.newBuilder().setName("v1").addDomains("a.example"))
            .addVirtualHosts(VirtualHost.newBuilder().setName("v2").addDomains("A.example"))
            .build();
    assertThat(
            CrossResourceValidator.validate(
                List.of(a, b), List.of(BACKEND), List.of(route), List.of(BACKEND_CLA)))
        .extracting(Violation::rule)
        .containsExactlyInAnyOrder("listener.unique_address", "route.unique_domain");
  }

  @Test
  void routerMustBeTheLastHttpFilter() {
    Listener http =
        Listener.newBuilder()
            .setName("http")
            .setAddress(Addresses.socket("0.0.0.0", 81))
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        NetworkFilters.httpConnectionManager(
                            NetworkFilters.sidecarHttp("x", false)
                                .clearHttpFilters()
                                .setRouteConfig(RouteConfiguration.getDefaultInstance())
                                .build())))
            .build();
    assertThat(CrossResourceValidator.validate(List.of(http), List.of(), List.of(), List.of()))
        .extracting(Violation::rule)
        .containsExactly("http.router_last");
  }
}
