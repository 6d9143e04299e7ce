package io.telmesh.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.node.NodeIdParser;
import io.telmesh.node.NodeMetadata;
import io.telmesh.node.ProxyNode;
import io.telmesh.testing.Goldens;
import io.telmesh.testing.Meshes;
import io.telmesh.validate.CrossResourceValidator;
import io.telmesh.validate.ProtoConstraintValidator;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bootstraps for every pod of the demo and the edge mesh: golden, valid by Envoy's constraints,
 * parseable back from JSON with every typed config resolved, and announcing the node the server
 * expects.
 */
class BootstrapBuilderTest {

  private static final Map<String, MeshState> MESHES =
      Map.of(
          "telco", Meshes.demo(),
          "edge", Meshes.load(Meshes.testMeshDir("edge")));
  private static final XdsAddress XDS = XdsAddress.parse("telmesh.telmesh-system.svc:15010");
  private static final String ISTIO_VERSION = "1.23.0";

  static Stream<Arguments> pods() {
    return MESHES.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .flatMap(
            e -> e.getValue().workloads().keySet().stream().map(k -> Arguments.of(e.getKey(), k)));
  }

  private static Workload workload(String mesh, NamespacedName pod) {
    return MESHES.get(mesh).workload(pod).orElseThrow();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pods")
  void matchesGolden(String mesh, NamespacedName pod) throws Exception {
    Bootstrap bootstrap =
        BootstrapBuilder.build(workload(mesh, pod), XDS, AdsMode.DELTA_GRPC, ISTIO_VERSION);
    Path golden =
        Meshes.repoRoot()
            .resolve("translators/src/test/resources/golden/bootstrap")
            .resolve(mesh)
            .resolve(pod.namespace() + "." + pod.name() + ".json");
    Goldens.assertMatches(golden, EnvoyTypes.printer().print(bootstrap) + "\n");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pods")
  void passesEnvoysConstraintsAndParsesBack(String mesh, NamespacedName pod) throws Exception {
    for (XdsAddress xds :
        List.of(XDS, XdsAddress.parse("10.96.0.10:15010"), XdsAddress.parse("[fd00::10]:15010"))) {
      for (AdsMode mode : AdsMode.values()) {
        for (List<Optional<String>> transport :
            List.of(
                List.of(Optional.<String>empty(), Optional.<String>empty()),
                List.of(Optional.of("/etc/telmesh/ca.crt"), Optional.<String>empty()),
                List.of(
                    Optional.of("/etc/telmesh/ca.crt"),
                    Optional.of("/var/run/secrets/tokens/istio-token")))) {
          Bootstrap bootstrap =
              BootstrapBuilder.build(
                  workload(mesh, pod),
                  xds,
                  mode,
                  ISTIO_VERSION,
                  transport.get(0),
                  transport.get(1));
          assertThat(ProtoConstraintValidator.envoy().validate(bootstrap)).isEmpty();
          assertThat(
                  CrossResourceValidator.validate(
                      bootstrap.getStaticResources().getListenersList(),
                      bootstrap.getStaticResources().getClustersList(),
                      List.of(),
                      List.of()))
              .isEmpty();
          String json = EnvoyTypes.printer().print(bootstrap);
          Bootstrap.Builder parsed = Bootstrap.newBuilder();
          EnvoyTypes.parser().merge(json, parsed);
          assertThat(parsed.build()).isEqualTo(bootstrap);
          // Every typed config resolves: a parser that knows no types must fail on this JSON.
          assertThat(json).contains("\"@type\": \"type.googleapis.com/");
          org.assertj.core.api.Assertions.assertThatThrownBy(
                  () -> JsonFormat.parser().merge(json, Bootstrap.newBuilder()))
              .hasMessageContaining("Cannot resolve type");
        }
      }
    }
  }

  @Test
  void aRootCertMakesTheXdsConnectionTlsVerifyingTheHostsName() throws Exception {
    Workload amf = workload("telco", new NamespacedName("telco", "amf-0"));
    for (XdsAddress xds : List.of(XDS, XdsAddress.parse("10.96.0.10:15012"))) {
      Cluster plain = xdsCluster(BootstrapBuilder.build(amf, xds, AdsMode.GRPC, ISTIO_VERSION));
      assertThat(plain.hasTransportSocket()).isFalse();
      Cluster secure =
          xdsCluster(
              BootstrapBuilder.build(
                  amf, xds, AdsMode.GRPC, ISTIO_VERSION, Optional.of("/etc/telmesh/ca.crt")));
      assertThat(secure.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
      var tls =
          secure
              .getTransportSocket()
              .getTypedConfig()
              .unpack(
                  io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext.class);
      var validation = tls.getCommonTlsContext().getValidationContext();
      assertThat(validation.getTrustedCa().getFilename()).isEqualTo("/etc/telmesh/ca.crt");
      assertThat(validation.getMatchTypedSubjectAltNamesList())
          .singleElement()
          .satisfies(
              san -> {
                assertThat(san.getMatcher().getExact()).isEqualTo(xds.host());
                assertThat(san.getSanType().name()).isEqualTo(xds.ip() ? "IP_ADDRESS" : "DNS");
              });
      assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
      assertThat(tls.getSni()).isEqualTo(xds.ip() ? "" : xds.host());
    }
  }

  @Test
  void aTokenFileGoesThroughGoogleGrpcsFileBasedCallCredentialsOverTls() throws Exception {
    Workload amf = workload("telco", new NamespacedName("telco", "amf-0"));
    for (XdsAddress xds :
        List.of(XDS, XdsAddress.parse("10.96.0.10:15012"), XdsAddress.parse("[fd00::10]:15012"))) {
      Bootstrap bootstrap =
          BootstrapBuilder.build(
              amf,
              xds,
              AdsMode.DELTA_GRPC,
              ISTIO_VERSION,
              Optional.of("/etc/telmesh/ca.crt"),
              Optional.of("/var/run/secrets/tokens/istio-token"));
      var ads = bootstrap.getDynamicResources().getAdsConfig().getGrpcServices(0);
      assertThat(ads.hasEnvoyGrpc()).isFalse();
      var google = ads.getGoogleGrpc();
      assertThat(google.getTargetUri()).isEqualTo(xds.toString());
      assertThat(google.getChannelCredentials().getSslCredentials().getRootCerts().getFilename())
          .isEqualTo("/etc/telmesh/ca.crt");
      // Envoy applies a plugin's call credentials only through the plugin's own factory.
      assertThat(google.getCredentialsFactoryName())
          .isEqualTo("envoy.grpc_credentials.file_based_metadata");
      var plugin = google.getCallCredentials(0).getFromPlugin();
      assertThat(plugin.getName()).isEqualTo("envoy.grpc_credentials.file_based_metadata");
      var config =
          plugin
              .getTypedConfig()
              .unpack(io.envoyproxy.envoy.config.grpc_credential.v3.FileBasedMetadataConfig.class);
      assertThat(config.getSecretData().getFilename())
          .isEqualTo("/var/run/secrets/tokens/istio-token");
      assertThat(config.getHeaderKey()).isIn("", "authorization");
      assertThat(config.getHeaderPrefix()).isEqualTo("Bearer ");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                BootstrapBuilder.build(
                    amf,
                    XDS,
                    AdsMode.GRPC,
                    ISTIO_VERSION,
                    Optional.empty(),
                    Optional.of("/var/run/secrets/tokens/istio-token")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("only sent over TLS");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pods")
  void announcesTheNodeTheServerParses(String mesh, NamespacedName pod) throws Exception {
    Workload workload = workload(mesh, pod);
    Bootstrap bootstrap = BootstrapBuilder.build(workload, XDS, AdsMode.DELTA_GRPC, ISTIO_VERSION);
    ProxyNode node = ProxyNode.from(bootstrap.getNode());
    assertThat(node.pod()).isEqualTo(pod);
    assertThat(node.namespaceConsistent()).isTrue();
    assertThat(node.ip())
        .isEqualTo(
            workload.clusterIps().isEmpty() ? "0.0.0.0" : workload.clusterIps().get(0).address());
    NodeMetadata metadata = node.metadata();
    assertThat(metadata.istioVersion()).contains(ISTIO_VERSION);
    List<String> allIps =
        workload.interfaces().stream()
            .flatMap(i -> i.ips().stream())
            .map(ip -> ip.address())
            .distinct()
            .toList();
    assertThat(metadata.instanceIps()).containsExactlyInAnyOrderElementsOf(allIps);
    assertThat(metadata.interceptionMode())
        .contains(workload.capture().interceptionMode().map(Enum::name).orElse("REDIRECT"));
    Struct labels = bootstrap.getNode().getMetadata().getFieldsOrThrow("LABELS").getStructValue();
    assertThat(labels.getFieldsMap().keySet())
        .containsExactlyInAnyOrderElementsOf(workload.labels().keySet());
    assertThat(NodeIdParser.parse(bootstrap.getNode().getId(), metadata).pod()).isEqualTo(pod);
  }

  @Test
  void secondaryInterfacesAreInInstanceIps() {
    Workload amf = workload("telco", new NamespacedName("telco", "amf-0"));
    Bootstrap bootstrap = BootstrapBuilder.build(amf, XDS, AdsMode.DELTA_GRPC, ISTIO_VERSION);
    assertThat(bootstrap.getNode().getMetadata().getFieldsOrThrow("INSTANCE_IPS").getStringValue())
        .isEqualTo("10.244.1.10,192.168.50.10,192.168.60.10");
  }

  @Test
  void ipAddressMakesAStaticClusterAndANameAStrictDnsOne() {
    Workload amf = workload("telco", new NamespacedName("telco", "amf-0"));
    Cluster byName = xdsCluster(BootstrapBuilder.build(amf, XDS, AdsMode.GRPC, ISTIO_VERSION));
    assertThat(byName.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(
            byName
                .getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress())
        .isEqualTo("telmesh.telmesh-system.svc");
    Cluster byIp =
        xdsCluster(
            BootstrapBuilder.build(
                amf, XdsAddress.parse("[FD00::10]:15010"), AdsMode.GRPC, ISTIO_VERSION));
    assertThat(byIp.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(
            byIp.getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress())
        .isEqualTo("fd00::10");
  }

  @Test
  void adsModeIsDeltaOrStateOfTheWorld() {
    Workload amf = workload("telco", new NamespacedName("telco", "amf-0"));
    assertThat(
            BootstrapBuilder.build(amf, XDS, AdsMode.DELTA_GRPC, ISTIO_VERSION)
                .getDynamicResources()
                .getAdsConfig()
                .getApiType()
                .name())
        .isEqualTo("DELTA_GRPC");
    assertThat(
            BootstrapBuilder.build(amf, XDS, AdsMode.GRPC, ISTIO_VERSION)
                .getDynamicResources()
                .getAdsConfig()
                .getApiType()
                .name())
        .isEqualTo("GRPC");
  }

  @Test
  void statsAndReadinessGoToTheAdminEndpointOnExactPaths() throws Exception {
    Workload amf = workload("telco", new NamespacedName("telco", "amf-0"));
    Bootstrap bootstrap = BootstrapBuilder.build(amf, XDS, AdsMode.DELTA_GRPC, ISTIO_VERSION);
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getPortValue())
        .isEqualTo(15000);
    assertThat(bootstrap.getAdmin().getAddress().getSocketAddress().getAddress())
        .isEqualTo("127.0.0.1");
    Listener readiness =
        bootstrap.getStaticResources().getListenersList().stream()
            .filter(l -> l.getName().equals("0.0.0.0_15021"))
            .findFirst()
            .orElseThrow();
    var route =
        readiness
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class)
            .getRouteConfig()
            .getVirtualHosts(0)
            .getRoutes(0);
    assertThat(route.getMatch().getPath()).isEqualTo("/healthz/ready");
    assertThat(route.getRoute().getCluster()).isEqualTo("prometheus_stats");
    assertThat(route.getRoute().getPrefixRewrite()).isEqualTo("/ready");
    Listener stats =
        bootstrap.getStaticResources().getListenersList().stream()
            .filter(l -> l.getName().equals("0.0.0.0_15090"))
            .findFirst()
            .orElseThrow();
    assertThat(
            stats
                .getFilterChains(0)
                .getFilters(0)
                .getTypedConfig()
                .unpack(HttpConnectionManager.class)
                .getRouteConfig()
                .getVirtualHosts(0)
                .getRoutes(0)
                .getMatch()
                .getPath())
        .isEqualTo("/stats/prometheus");
  }

  @Test
  void dualStackPodsListenOnBothFamilies() {
    NamespacedName dual =
        MESHES.get("edge").workloads().values().stream()
            .filter(w -> w.hasIpv4() && w.hasIpv6())
            .map(Workload::key)
            .findFirst()
            .orElseThrow();
    Bootstrap bootstrap =
        BootstrapBuilder.build(workload("edge", dual), XDS, AdsMode.DELTA_GRPC, ISTIO_VERSION);
    assertThat(bootstrap.getStaticResources().getListenersList())
        .allSatisfy(
            l -> {
              assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
              assertThat(l.getAdditionalAddresses(0).getAddress().getSocketAddress().getAddress())
                  .isEqualTo("::");
            });
  }

  private static Cluster xdsCluster(Bootstrap bootstrap) {
    return bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals(BootstrapBuilder.XDS_CLUSTER))
        .findFirst()
        .orElseThrow();
  }
}
