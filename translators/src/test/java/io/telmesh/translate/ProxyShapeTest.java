package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.envoy.ListenerFilters;
import io.telmesh.envoy.Names;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Interception modes, dual-stack, idle timeouts, proxyless clients and unknown proxies. */
class ProxyShapeTest {

  private static final MeshState DEMO = Meshes.demo();
  private static final MeshTranslation TRANSLATION = Translator.prepare(DEMO);

  private static ProxyResources sidecar(String pod, Map<String, String> metadata) {
    return sidecar(DEMO, TRANSLATION, pod, metadata);
  }

  private static ProxyResources sidecar(
      MeshState mesh, MeshTranslation translation, String pod, Map<String, String> metadata) {
    String ip =
        mesh.workload(new NamespacedName("telco", pod)).orElseThrow().clusterIps().get(0).address();
    return translation.forProxy(Nodes.sidecar(pod, "telco", ip, metadata));
  }

  private static Listener listener(ProxyResources resources, String name) {
    return resources.listeners().get(name).orElseThrow();
  }

  @Test
  void redirectModeNeverSetsTransparentAndBindsFrom127006() {
    ProxyResources amf = sidecar("amf-0", Map.of());
    assertThat(listener(amf, Names.VIRTUAL_INBOUND).hasTransparent()).isFalse();
    assertThat(listener(amf, Names.VIRTUAL_OUTBOUND).hasTransparent()).isFalse();
    assertThat(listener(amf, Names.VIRTUAL_INBOUND).getListenerFiltersList())
        .extracting(ListenerFilter::getName)
        .containsExactly(ListenerFilters.ORIGINAL_DST, ListenerFilters.HTTP_INSPECTOR);
    Cluster inbound = amf.clusters().get(Names.inboundCluster(8080)).orElseThrow();
    assertThat(inbound.getUpstreamBindConfig().getSourceAddress().getAddress())
        .isEqualTo("127.0.0.6");
  }

  @Test
  void tproxyKeepsTheClientAddress() {
    ProxyResources tproxy = sidecar("amf-0", Map.of("INTERCEPTION_MODE", "TPROXY"));
    Listener inbound = listener(tproxy, Names.VIRTUAL_INBOUND);
    assertThat(inbound.getTransparent().getValue()).isTrue();
    assertThat(listener(tproxy, Names.VIRTUAL_OUTBOUND).getTransparent().getValue()).isTrue();
    assertThat(inbound.getListenerFiltersList())
        .extracting(ListenerFilter::getName)
        .containsExactly(
            ListenerFilters.ORIGINAL_DST,
            ListenerFilters.ORIGINAL_SRC,
            ListenerFilters.HTTP_INSPECTOR);
    assertThat(
            tproxy.clusters().get(Names.inboundCluster(8080)).orElseThrow().hasUpstreamBindConfig())
        .isFalse();
    assertThat(
            tproxy
                .clusters()
                .get(Names.INBOUND_PASSTHROUGH_CLUSTER)
                .orElseThrow()
                .hasUpstreamBindConfig())
        .isFalse();
  }

  @Test
  void thePodsAnnotationWinsOverNodeMetadata() {
    // smf-0 is annotated TPROXY; the node says REDIRECT.
    ProxyResources smf = sidecar("smf-0", Map.of("INTERCEPTION_MODE", "REDIRECT"));
    assertThat(listener(smf, Names.VIRTUAL_INBOUND).getTransparent().getValue()).isTrue();
  }

  @Test
  void noneModeHasNoVirtualListeners() {
    ProxyResources none = sidecar("amf-0", Map.of("INTERCEPTION_MODE", "NONE"));
    assertThat(none.listeners().byName())
        .doesNotContainKeys(Names.VIRTUAL_INBOUND, Names.VIRTUAL_OUTBOUND);
  }

  @Test
  void dualStackPodsListenOnBothFamilies() {
    MeshState edge = Meshes.load(Meshes.testMeshDir("edge"));
    ProxyResources dual =
        Translator.prepare(edge)
            .forProxy(Nodes.forWorkload(edge, new NamespacedName("edge", "dual-0")));
    for (String name : new String[] {Names.VIRTUAL_INBOUND, Names.VIRTUAL_OUTBOUND}) {
      Listener l = dual.listeners().get(name).orElseThrow();
      assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
      assertThat(l.getAdditionalAddressesList())
          .singleElement()
          .satisfies(
              a -> assertThat(a.getAddress().getSocketAddress().getAddress()).isEqualTo("::"));
    }
    assertThat(
            dual.clusters()
                .get(Names.inboundCluster(7000))
                .orElseThrow()
                .getUpstreamBindConfig()
                .getExtraSourceAddressesList())
        .singleElement()
        .satisfies(a -> assertThat(a.getAddress().getAddress()).isEqualTo("::6"));
    Listener vip = dual.listeners().get("10.20.0.3_7000").orElseThrow();
    assertThat(vip.getAdditionalAddressesList())
        .singleElement()
        .satisfies(
            a ->
                assertThat(a.getAddress().getSocketAddress().getAddress()).isEqualTo("fd00:20::3"));
  }

  @Test
  void idleTimeoutAppliesToTcpButNeverToDiameter() {
    ProxyResources amf = sidecar("amf-0", Map.of("IDLE_TIMEOUT", "30s"));
    TcpProxy tcp = tcpProxy(listener(amf, "10.244.3.30_9042").getFilterChains(0));
    assertThat(tcp.getIdleTimeout()).isEqualTo(Duration.newBuilder().setSeconds(30).build());
    TcpProxy diameter = tcpProxy(listener(amf, "10.96.0.20_3868").getFilterChains(0));
    assertThat(diameter.hasIdleTimeout()).isTrue();
    assertThat(diameter.getIdleTimeout()).isEqualTo(Duration.getDefaultInstance());
    ProxyResources defaults = sidecar("amf-0", Map.of());
    assertThat(tcpProxy(listener(defaults, "10.244.3.30_9042").getFilterChains(0)).hasIdleTimeout())
        .isFalse();
  }

  @Test
  void proxylessClientsGetApiListenersWithTheRouterLast() throws Exception {
    ProxyResources grpc = TRANSLATION.forProxy(Nodes.grpc("client", "telco"));
    Listener amf = grpc.listeners().get("amf.telco.svc.cluster.local:8080").orElseThrow();
    HttpConnectionManager hcm =
        amf.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName())
        .isEqualTo("envoy.filters.http.router");
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("amf.telco.svc.cluster.local:8080");
    assertThat(grpc.routes().get("amf.telco.svc.cluster.local:8080")).isPresent();
    assertThat(
            grpc.clusters()
                .get("outbound|8080||amf.telco.svc.cluster.local")
                .orElseThrow()
                .getType())
        .isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(
            grpc.endpoints()
                .get("outbound|8080||amf.telco.svc.cluster.local")
                .orElseThrow()
                .getEndpointsList())
        .allSatisfy(l -> assertThat(l.getLoadBalancingWeight().getValue()).isPositive());
    assertThat(grpc.listeners().byName())
        .doesNotContainKey("hss.telco.svc.cluster.local:3868")
        .doesNotContainKey(Names.VIRTUAL_INBOUND);
  }

  @Test
  void unknownOrInconsistentProxiesGetPassthroughOnly() throws Exception {
    ProxyResources unknown =
        TRANSLATION.forProxy(Nodes.sidecar("ghost-0", "telco", "10.1.1.1", Map.of()));
    assertThat(unknown.listeners().byName())
        .containsOnlyKeys(Names.VIRTUAL_INBOUND, Names.VIRTUAL_OUTBOUND);
    assertThat(unknown.clusters().byName())
        .containsOnlyKeys(
            Names.PASSTHROUGH_CLUSTER, Names.INBOUND_PASSTHROUGH_CLUSTER, Names.BLACKHOLE_CLUSTER);
    assertThat(unknown.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("pod not found"));

    // amf-0's id, but metadata claims another namespace: not trusted with amf-0's config.
    var node = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of("NAMESPACE", "other"));
    ProxyResources spoofed = TRANSLATION.forProxy(io.telmesh.node.ProxyNode.from(node));
    assertThat(spoofed.listeners().byName())
        .containsOnlyKeys(Names.VIRTUAL_INBOUND, Names.VIRTUAL_OUTBOUND);
    assertThat(spoofed.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("disagrees"));
  }

  @Test
  void sharedOutboundPartIsBuiltOnceAndSharedByReference() {
    ProxyResources a = sidecar("amf-0", Map.of());
    ProxyResources b = sidecar("hss-0", Map.of());
    assertThat(a.listeners().segments().get(0)).isSameAs(b.listeners().segments().get(0));
    assertThat(a.clusters().segments().get(0)).isSameAs(b.clusters().segments().get(0));
    assertThat(a.endpoints().segments().get(0)).isSameAs(b.endpoints().segments().get(0));
    assertThat(a.routes().segments().get(0)).isSameAs(b.routes().segments().get(0));
  }

  /**
   * A second AMF, amf-0's manifest with its own addresses: the same ports on the same networks, so
   * the same inbound filters, which one translation builds once; the chains still match each pod's
   * own addresses.
   */
  @Test
  void podsWithEqualPortsShareTheirInboundFiltersButNotTheirMatches() throws Exception {
    String amf0 =
        Arrays.stream(Files.readString(Meshes.demoDir().resolve("20-pods.yaml")).split("\n---\n"))
            .filter(d -> d.contains("name: amf-0"))
            .findFirst()
            .orElseThrow();
    MeshState mesh = Meshes.demoWith(amf0.replace("amf-0", "amf-1").replaceAll("\\.10\\b", ".11"));
    MeshTranslation translation = Translator.prepare(mesh);
    Listener first = inbound(translation, mesh, "amf-0", Map.of());
    Listener second = inbound(translation, mesh, "amf-1", Map.of());
    Listener logged = inbound(translation, mesh, "amf-1", Map.of("TELMESH_ACCESS_LOG", "true"));
    assertThat(second.getFilterChainsList())
        .extracting(FilterChain::getName)
        .contains("net1_8080", "net2_9000")
        .isEqualTo(first.getFilterChainsList().stream().map(FilterChain::getName).toList());
    for (int i = 0; i < first.getFilterChainsCount(); i++) {
      FilterChain a = first.getFilterChains(i);
      FilterChain b = second.getFilterChains(i);
      assertThat(b.getFilters(0)).as(a.getName()).isSameAs(a.getFilters(0));
      assertThat(logged.getFilterChains(i).getFilters(0))
          .as(a.getName() + " with an access log")
          .isNotEqualTo(a.getFilters(0));
      if (a.getName().startsWith("net")) {
        assertThat(b.getFilterChainMatch()).as(a.getName()).isNotEqualTo(a.getFilterChainMatch());
      }
    }
  }

  private static Listener inbound(
      MeshTranslation translation, MeshState mesh, String pod, Map<String, String> metadata) {
    return listener(sidecar(mesh, translation, pod, metadata), Names.VIRTUAL_INBOUND);
  }

  @Test
  void perInterfaceChainsCarryNetworkAndStatPrefixes() {
    Listener inbound = listener(sidecar("hss-0", Map.of()), Names.VIRTUAL_INBOUND);
    FilterChain net1 =
        inbound.getFilterChainsList().stream()
            .filter(c -> c.getName().equals("net1_3868"))
            .findFirst()
            .orElseThrow();
    assertThat(
            net1.getMetadata()
                .getFilterMetadataOrThrow("telmesh")
                .getFieldsOrThrow("network")
                .getStringValue())
        .isEqualTo("telco/signaling");
    assertThat(net1.getFilterChainMatch().getPrefixRangesList())
        .extracting(r -> r.getAddressPrefix() + "/" + r.getPrefixLen().getValue())
        .containsExactly("192.168.50.20/32", "fd00:50::20/128");
    assertThat(tcpProxy(net1).getStatPrefix()).isEqualTo("inbound|3868|net1|");
    FilterChain amfNet2 =
        listener(sidecar("amf-0", Map.of()), Names.VIRTUAL_INBOUND).getFilterChainsList().stream()
            .filter(c -> c.getName().equals("net2_8080"))
            .findFirst()
            .orElseThrow();
    assertThat(unpack(amfNet2, HttpConnectionManager.class).getStatPrefix())
        .isEqualTo("inbound_net2_8080;");
  }

  private static TcpProxy tcpProxy(FilterChain chain) {
    return unpack(chain, TcpProxy.class);
  }

  private static <T extends com.google.protobuf.Message> T unpack(
      FilterChain chain, Class<T> type) {
    return TranslationPropertiesTest.unpack(chain.getFilters(0).getTypedConfig(), type);
  }
}
