package io.telmesh.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DoubleValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.KeyValue;
import io.envoyproxy.envoy.config.core.v3.KeyValueAppend;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.InternalRedirectPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.Protos;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Each rule family Envoy's protos declare, broken by hand on a real Envoy message: the violation
 * names the field path and the rule, and the healthy counterpart passes.
 */
class ProtoConstraintValidatorTest {

  private final ProtoConstraintValidator validator = ProtoConstraintValidator.envoy();

  private static Listener tcpListener(Filter filter) {
    return Listener.newBuilder()
        .setName("l")
        .setAddress(Addresses.socket("0.0.0.0", 80))
        .addFilterChains(FilterChain.newBuilder().addFilters(filter))
        .build();
  }

  private static Filter tcpProxy(TcpProxy proxy) {
    return Filter.newBuilder()
        .setName(NetworkFilters.TCP_PROXY)
        .setTypedConfig(Protos.pack(proxy))
        .build();
  }

  private static RouteConfiguration routes(VirtualHost.Builder host) {
    return RouteConfiguration.newBuilder().setName("r").addVirtualHosts(host).build();
  }

  private static VirtualHost.Builder host() {
    return VirtualHost.newBuilder()
        .setName("v")
        .addDomains("*")
        .addRoutes(
            Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster("c")));
  }

  private static Violation single(List<Violation> violations) {
    assertThat(violations).hasSize(1);
    return violations.get(0);
  }

  @Test
  void healthyResourcesPass() {
    assertThat(validator.validate(tcpListener(NetworkFilters.tcpProxy("s", "c", Optional.empty()))))
        .isEmpty();
    assertThat(validator.validate(routes(host()))).isEmpty();
    assertThat(validator.validate(Clusters.eds("c").build())).isEmpty();
  }

  @Test
  void tcpProxyWithoutStatPrefixFailsInsideTheAny() {
    Violation v =
        single(
            validator.validate(
                tcpListener(tcpProxy(TcpProxy.newBuilder().setCluster("c").build()))));
    assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config.stat_prefix");
    assertThat(v.rule()).isEqualTo("string.min_len");
    assertThat(v.resourceType()).isEqualTo("Listener");
    assertThat(v.resourceName()).isEqualTo("l");
    assertThat(v.describe()).contains("at least 1 characters long, is 0");
  }

  @Test
  void aRememberingValidatorUnpacksACleanTypedConfigOnceAndReportsABadOneEveryTime() {
    List<String> unpacked = new ArrayList<>();
    ProtoConstraintValidator remembering =
        ProtoConstraintValidator.of(
                List.of(Listener.getDescriptor(), TcpProxy.getDescriptor()),
                typeUrl -> {
                  unpacked.add(typeUrl);
                  return EnvoyTypes.prototype(typeUrl);
                },
                Clock.systemUTC())
            .remembering();
    Filter clean = NetworkFilters.tcpProxy("s", "c", Optional.empty());
    Filter bad = tcpProxy(TcpProxy.newBuilder().setCluster("c").build());
    // The same content at two places, in two listeners: clean wherever it sits.
    Listener twice =
        tcpListener(clean).toBuilder()
            .addFilterChains(
                FilterChain.newBuilder()
                    .setFilterChainMatch(
                        FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(81)))
                    .addFilters(clean))
            .build();

    assertThat(remembering.validate(tcpListener(clean))).isEmpty();
    assertThat(remembering.validate(twice)).isEmpty();
    assertThat(unpacked).as("one content, unpacked once").hasSize(1);

    for (int i = 0; i < 2; i++) {
      Violation v = single(remembering.validate(tcpListener(bad)));
      assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config.stat_prefix");
    }
    assertThat(unpacked).as("a content with violations is unpacked each time").hasSize(3);
    assertThat(validator.validate(twice)).isEqualTo(remembering.validate(twice));
  }

  @Test
  void negativeConnectTimeoutFailsDurationGt() {
    Cluster cluster =
        Clusters.eds("c").setConnectTimeout(Duration.newBuilder().setSeconds(-1)).build();
    Violation v = single(validator.validate(cluster));
    assertThat(v.path()).isEqualTo("connect_timeout");
    assertThat(v.rule()).isEqualTo("duration.gt");
    assertThat(v.message()).isEqualTo("must be greater than 0s, is -1s");
  }

  @Test
  void durationUpperBoundIsEnforced() {
    Bootstrap bootstrap = Bootstrap.newBuilder().setStatsFlushInterval(Protos.seconds(400)).build();
    Violation v = single(validator.validate(bootstrap));
    assertThat(v.path()).isEqualTo("stats_flush_interval");
    assertThat(v.rule()).isEqualTo("duration.lt");
    assertThat(
            validator.validate(
                Bootstrap.newBuilder().setStatsFlushInterval(Protos.seconds(5)).build()))
        .isEmpty();
  }

  @Test
  void missingRequiredMessageIsReported() {
    HttpConnectionManager manager =
        NetworkFilters.sidecarHttp("s", false)
            .setRds(Rds.newBuilder().setRouteConfigName("80"))
            .build();
    Violation v =
        single(validator.validate(tcpListener(NetworkFilters.httpConnectionManager(manager))));
    assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config.rds.config_source");
    assertThat(v.rule()).isEqualTo("message.required");
  }

  @Test
  void requiredOneofWithNothingSetIsReported() {
    Violation v =
        single(
            validator.validate(
                tcpListener(tcpProxy(TcpProxy.newBuilder().setStatPrefix("s").build()))));
    assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config.cluster_specifier");
    assertThat(v.rule()).isEqualTo("oneof.required");
  }

  @Test
  void requiredOnAOneofMemberAppliesOnlyWhenItIsTheMemberSet() {
    // RouteMatch.safe_regex is "required" but sits in the path_specifier oneof: prefix is fine.
    assertThat(validator.validate(routes(host()))).isEmpty();
  }

  @Test
  void undefinedEnumValueFailsDefinedOnly() {
    Cluster cluster = Clusters.eds("c").setLbPolicyValue(99).build();
    Violation v = single(validator.validate(cluster));
    assertThat(v.path()).isEqualTo("lb_policy");
    assertThat(v.rule()).isEqualTo("enum.defined_only");
    assertThat(v.message()).contains("99");
  }

  @Test
  void enumNotInIsEnforced() {
    var check =
        io.envoyproxy.envoy.config.core.v3.HealthCheck.HttpHealthCheck.newBuilder()
            .setPath("/")
            .setMethod(io.envoyproxy.envoy.config.core.v3.RequestMethod.CONNECT)
            .build();
    Violation v = single(validator.validate("HealthCheck", "h", check));
    assertThat(v.path()).isEqualTo("method");
    assertThat(v.rule()).isEqualTo("enum.not_in");
  }

  @Test
  void portAboveRangeFailsUint32Lte() {
    Listener listener =
        tcpListener(NetworkFilters.tcpProxy("s", "c", Optional.empty())).toBuilder()
            .setAddress(Addresses.socket("0.0.0.0", 70000))
            .build();
    Violation v = single(validator.validate(listener));
    assertThat(v.path()).isEqualTo("address.socket_address.port_value");
    assertThat(v.rule()).isEqualTo("uint32.lte");
    assertThat(v.message()).isEqualTo("must be at most 65535, is 70000");
  }

  @Test
  void wrapperValuesAreCheckedWhenSet() {
    CidrRange range =
        CidrRange.newBuilder()
            .setAddressPrefix("10.0.0.0")
            .setPrefixLen(UInt32Value.of(129))
            .build();
    Listener listener =
        Listener.newBuilder()
            .setName("l")
            .setAddress(Addresses.socket("0.0.0.0", 80))
            .addFilterChains(
                FilterChain.newBuilder()
                    .setFilterChainMatch(FilterChainMatch.newBuilder().addPrefixRanges(range))
                    .addFilters(NetworkFilters.tcpProxy("s", "c", Optional.empty())))
            .build();
    Violation v = single(validator.validate(listener));
    assertThat(v.path())
        .isEqualTo("filter_chains[0].filter_chain_match.prefix_ranges[0].prefix_len");
    assertThat(v.rule()).isEqualTo("uint32.lte");
  }

  @Test
  void doubleRangeIsEnforcedWithBothBoundsNamed() {
    Cluster cluster =
        Clusters.eds("c")
            .setPreconnectPolicy(
                Cluster.PreconnectPolicy.newBuilder()
                    .setPerUpstreamPreconnectRatio(DoubleValue.of(3.5)))
            .build();
    Violation v = single(validator.validate(cluster));
    assertThat(v.path()).isEqualTo("preconnect_policy.per_upstream_preconnect_ratio");
    assertThat(v.rule()).isEqualTo("double.lte");
    assertThat(v.message()).isEqualTo("must be at most 3.0 (range [1.0, 3.0]), is 3.5");
  }

  @Test
  void emptyRepeatedFieldFailsMinItems() {
    Violation v = single(validator.validate(routes(host().clearDomains())));
    assertThat(v.path()).isEqualTo("virtual_hosts[0].domains");
    assertThat(v.rule()).isEqualTo("repeated.min_items");
  }

  @Test
  void repeatedItemsAreCheckedOneByOne() {
    Violation v = single(validator.validate(routes(host().addDomains("bad\ndomain"))));
    assertThat(v.path()).isEqualTo("virtual_hosts[0].domains[1]");
    assertThat(v.rule()).isEqualTo("repeated.items.string.well_known_regex");
    assertThat(v.message()).contains("'bad\\x0adomain'");
  }

  @Test
  void repeatedUniqueIsEnforced() {
    RouteConfiguration config =
        routes(
            host()
                .clearRoutes()
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(
                            RouteAction.newBuilder()
                                .setCluster("c")
                                .setInternalRedirectPolicy(
                                    InternalRedirectPolicy.newBuilder()
                                        .addResponseHeadersToCopy("x-a")
                                        .addResponseHeadersToCopy("x-a")))));
    Violation v = single(validator.validate(config));
    assertThat(v.path())
        .isEqualTo(
            "virtual_hosts[0].routes[0].route.internal_redirect_policy.response_headers_to_copy[1]");
    assertThat(v.rule()).isEqualTo("repeated.unique");
  }

  @Test
  void headerNameRegexAndLengthsAreEnforced() {
    RouteConfiguration config =
        RouteConfiguration.newBuilder()
            .setName("r")
            .addVirtualHosts(host())
            .addRequestHeadersToAdd(
                HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey("x-bad\r").setValue("v")))
            .build();
    Violation v = single(validator.validate(config));
    assertThat(v.path()).isEqualTo("request_headers_to_add[0].header.key");
    assertThat(v.rule()).isEqualTo("string.well_known_regex");
    assertThat(v.message()).contains("HTTP header name");
  }

  @Test
  void stringPatternIsEvaluatedWithRe2() {
    VirtualHost.Builder bad =
        host()
            .clearRoutes()
            .addRoutes(
                Route.newBuilder()
                    .setMatch(RouteMatch.newBuilder().setPathSeparatedPrefix("/api/"))
                    .setRoute(RouteAction.newBuilder().setCluster("c")));
    Violation v = single(validator.validate(routes(bad)));
    assertThat(v.path()).isEqualTo("virtual_hosts[0].routes[0].match.path_separated_prefix");
    assertThat(v.rule()).isEqualTo("string.pattern");
  }

  @Test
  void mapKeysAreChecked() {
    Cluster cluster =
        Clusters.eds("c")
            .setMetadata(Metadata.newBuilder().putFilterMetadata("", Struct.getDefaultInstance()))
            .build();
    Violation v = single(validator.validate(cluster));
    assertThat(v.path()).isEqualTo("metadata.filter_metadata[\"\"]");
    assertThat(v.rule()).isEqualTo("map.keys.string.min_len");
  }

  @Test
  void mapValuesAreWalked() {
    Cluster cluster =
        Clusters.eds("c")
            .putTypedExtensionProtocolOptions(
                "broken", Any.newBuilder().setTypeUrl("type.googleapis.com/not.a.Type").build())
            .build();
    Violation v = single(validator.validate(cluster));
    assertThat(v.path()).isEqualTo("typed_extension_protocol_options[\"broken\"]");
    assertThat(v.rule()).isEqualTo("any.known_type");
  }

  @Test
  void anyOfAnUnknownTypeIsAViolation() {
    Filter filter =
        Filter.newBuilder()
            .setName("x")
            .setTypedConfig(Any.newBuilder().setTypeUrl("type.googleapis.com/example.Unknown"))
            .build();
    Violation v = single(validator.validate(tcpListener(filter)));
    assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config");
    assertThat(v.rule()).isEqualTo("any.known_type");
  }

  @Test
  void anyWithBytesThatDoNotParseIsAViolation() {
    Filter filter =
        Filter.newBuilder()
            .setName("x")
            .setTypedConfig(
                Any.newBuilder()
                    .setTypeUrl(Protos.typeUrl(TcpProxy.getDefaultInstance()))
                    .setValue(
                        ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff})))
            .build();
    Violation v = single(validator.validate(tcpListener(filter)));
    assertThat(v.path()).isEqualTo("filter_chains[0].filters[0].typed_config");
    assertThat(v.rule()).isEqualTo("any.unpack");
  }

  @Test
  void anyRequiredIsEnforced() {
    var config =
        io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder().setName("x").build();
    Violation v = single(validator.validate("TypedExtensionConfig", "x", config));
    assertThat(v.path()).isEqualTo("typed_config");
    assertThat(v.rule()).isEqualTo("any.required");
  }

  @Test
  void oneofMemberScalarsAreCheckedOnlyWhenSet() {
    Violation v =
        single(
            validator.validate("DataSource", "d", DataSource.newBuilder().setFilename("").build()));
    assertThat(v.path()).isEqualTo("filename");
    assertThat(v.rule()).isEqualTo("string.min_len");
    // filename is empty here too, but another member of the oneof is the one set.
    assertThat(
            validator.validate(
                "DataSource", "d", DataSource.newBuilder().setInlineString("x").build()))
        .isEmpty();
  }

  @Test
  void bytesLengthIsEnforced() {
    Violation v =
        single(
            validator.validate(
                "TlvEntry",
                "t",
                io.envoyproxy.envoy.config.core.v3.TlvEntry.newBuilder().setType(1).build()));
    assertThat(v.path()).isEqualTo("value");
    assertThat(v.rule()).isEqualTo("bytes.min_len");
  }

  @Test
  void boolConstIsEnforced() {
    Violation v =
        single(validator.validate(Bootstrap.newBuilder().setStatsFlushOnAdmin(false).build()));
    assertThat(v.path()).isEqualTo("stats_flush_on_admin");
    assertThat(v.rule()).isEqualTo("bool.const");
  }

  @Test
  void skippedMessagesAreNotWalked() {
    KeyValue badEntry = KeyValue.newBuilder().setKey("").build();
    assertThat(validator.validate("KeyValue", "k", badEntry))
        .extracting(Violation::rule)
        .containsExactly("string.min_len");
    // KeyValueAppend.entry carries (validate.rules).message.skip.
    assertThat(
            validator.validate(
                "KeyValueAppend", "k", KeyValueAppend.newBuilder().setEntry(badEntry).build()))
        .isEmpty();
  }

  @Test
  void violationsAreSortedAndEveryOneIsReported() {
    Cluster cluster =
        Clusters.eds("")
            .setConnectTimeout(Duration.newBuilder().setSeconds(-1))
            .setLbPolicyValue(42)
            .build();
    assertThat(validator.validate(cluster))
        .extracting(Violation::rule)
        .containsExactly("duration.gt", "enum.defined_only", "string.min_len");
  }
}
