package io.telmesh.proxyless;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.telmesh.envoy.Names;
import io.telmesh.model.MeshState;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.Translator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a proxyless gRPC node is sent, on the small mesh below: client listener names per client
 * namespace, route domains, and the server listeners of a dual-stack pod with two interfaces.
 */
class ProxylessBuilderTest {

  /**
   * greeter (namespace grpc, dual-stack VIPs) serves gRPC on 50051 (target 9000) and an undeclared
   * port 7070, plus opaque TCP, Diameter and HTTPS ports a gRPC channel cannot use; store
   * (namespace shop) serves HTTP on 8080. greeter-0 is dual-stack on eth0 and on net1.
   */
  private static final String MESH =
      """
      apiVersion: k8s.cni.cncf.io/v1
      kind: NetworkAttachmentDefinition
      metadata: {name: sig, namespace: grpc}
      spec: {config: '{"cniVersion":"0.3.1","type":"macvlan"}'}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: greeter, namespace: grpc}
      spec:
        clusterIP: 10.96.5.5
        clusterIPs: [10.96.5.5, "fd00:96::5"]
        selector: {app: greeter}
        ports:
        - {name: grpc, port: 50051, targetPort: 9000}
        - {port: 7070}
        - {name: tcp-db, port: 5432}
        - {name: diameter, port: 3868}
        - {name: https-admin, port: 8443}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: store, namespace: shop}
      spec:
        clusterIP: 10.96.6.6
        selector: {app: store}
        ports: [{name: http, port: 8080}]
      ---
      apiVersion: v1
      kind: Pod
      metadata:
        name: greeter-0
        namespace: grpc
        labels: {app: greeter}
        annotations:
          k8s.v1.cni.cncf.io/network-status: |-
            [{"name":"kindnet","interface":"eth0","ips":["10.10.0.5","fd00:10::5"],"default":true},
             {"name":"grpc/sig","interface":"net1","ips":["192.168.80.5/24","fd00:80::5/64"]}]
      spec: {containers: [{name: app}]}
      status:
        phase: Running
        conditions: [{type: Ready, status: "True"}]
        podIPs: [{ip: 10.10.0.5}, {ip: "fd00:10::5"}]
      """;

  private static final MeshState STATE = Meshes.yaml(MESH);

  private static ProxyResources proxyless(String pod, String namespace) {
    return Translator.prepare(STATE).forProxy(Nodes.grpc(pod, namespace));
  }

  private static List<String> clientListeners(ProxyResources resources) {
    return resources.listeners().byName().keySet().stream()
        .filter(n -> !n.startsWith(Names.GRPC_SERVER_LISTENER_PREFIX))
        .toList();
  }

  record ClientRow(String namespace, List<String> listeners) {
    @Override
    public String toString() {
      return "client in " + namespace;
    }
  }

  static Stream<ClientRow> clients() {
    List<String> everywhere =
        List.of(
            "greeter.grpc.svc.cluster.local:50051",
            "greeter.grpc.svc.cluster.local:7070",
            "greeter.grpc.svc:50051",
            "greeter.grpc.svc:7070",
            "greeter.grpc:50051",
            "greeter.grpc:7070",
            "store.shop.svc.cluster.local:8080",
            "store.shop.svc:8080",
            "store.shop:8080");
    return Stream.of(
        new ClientRow("grpc", sorted(everywhere, "greeter:50051", "greeter:7070")),
        new ClientRow("shop", sorted(everywhere, "store:8080")),
        new ClientRow("elsewhere", everywhere));
  }

  private static List<String> sorted(List<String> names, String... more) {
    return Stream.concat(names.stream(), Stream.of(more)).sorted().toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("clients")
  void listenerNamesCoverEverySpellingAndShortNamesOnlyInTheServicesNamespace(ClientRow row) {
    assertThat(clientListeners(proxyless("client", row.namespace())))
        .containsExactlyElementsOf(row.listeners());
  }

  @Test
  void shortNameListenersAreBuiltOncePerNamespace() {
    var translation = Translator.prepare(STATE);
    ProxyResources a = translation.forProxy(Nodes.grpc("a", "grpc"));
    ProxyResources b = translation.forProxy(Nodes.grpc("b", "grpc"));
    assertThat(a.listeners().segments().get(1)).isSameAs(b.listeners().segments().get(1));
    assertThat(a.listeners().segments().get(0)).isSameAs(b.listeners().segments().get(0));
  }

  @Test
  void everySpellingTakesRdsOverAdsToTheFqdnRouteWithTheRouterLast() throws Exception {
    for (Listener listener : proxyless("client", "grpc").listeners().all()) {
      if (listener.getName().startsWith(Names.GRPC_SERVER_LISTENER_PREFIX)) {
        continue;
      }
      HttpConnectionManager hcm =
          listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
      assertThat(hcm.getRds().getConfigSource().hasAds()).isTrue();
      assertThat(hcm.getStatPrefix()).isNotEmpty();
      assertThat(hcm.getHttpFiltersList())
          .extracting(HttpFilter::getName)
          .containsExactly("envoy.filters.http.router");
      String name = listener.getName();
      String port = name.substring(name.lastIndexOf(':') + 1);
      String service = name.substring(0, name.lastIndexOf(':')).split("\\.")[0];
      assertThat(hcm.getRds().getRouteConfigName())
          .isEqualTo(
              service
                  + "."
                  + (service.equals("store") ? "shop" : "grpc")
                  + ".svc.cluster.local:"
                  + port);
    }
  }

  @Test
  void routeDomainsMatchEveryAuthorityAClientMayWrite() {
    RouteConfiguration route =
        proxyless("client", "elsewhere")
            .routes()
            .get("greeter.grpc.svc.cluster.local:50051")
            .orElseThrow();
    VirtualHost host = route.getVirtualHosts(0);
    assertThat(route.getVirtualHostsList()).hasSize(1);
    assertThat(host.getDomainsList())
        .containsExactly(
            "greeter.grpc.svc.cluster.local",
            "greeter.grpc.svc.cluster.local:50051",
            "greeter.grpc.svc",
            "greeter.grpc.svc:50051",
            "greeter.grpc",
            "greeter.grpc:50051",
            "greeter",
            "greeter:50051",
            "10.96.5.5",
            "10.96.5.5:50051",
            "[fd00:96::5]",
            "[fd00:96::5]:50051");
    Route only = host.getRoutes(0);
    assertThat(host.getRoutesList()).hasSize(1);
    assertThat(only.getMatch().getPrefix()).isEqualTo("/");
    assertThat(only.getRoute().getCluster())
        .isEqualTo("outbound|50051||greeter.grpc.svc.cluster.local");
  }

  @Test
  void nonGrpcPortsGetNothing() {
    ProxyResources resources = proxyless("greeter-0", "grpc");
    for (int port : new int[] {5432, 3868, 8443}) {
      assertThat(resources.listeners().byName().keySet()).noneMatch(n -> n.endsWith(":" + port));
      assertThat(resources.routes().byName().keySet()).noneMatch(n -> n.endsWith(":" + port));
      assertThat(resources.clusters().byName().keySet())
          .noneMatch(n -> n.startsWith("outbound|" + port + "|"));
    }
  }

  /** Server listener name -> {@code address:port} it holds. */
  @Test
  void serverListenersForEveryHostTheServerMayListenOn() {
    Map<String, String> expected = new TreeMap<>();
    for (int port : new int[] {9000, 7070}) {
      for (String[] host :
          new String[][] {
            {"0.0.0.0", "0.0.0.0"},
            {"[::]", "::"},
            {"10.10.0.5", "10.10.0.5"},
            {"[fd00:10::5]", "fd00:10::5"},
            {"192.168.80.5", "192.168.80.5"},
            {"[fd00:80::5]", "fd00:80::5"}
          }) {
        expected.put("xds.istio.io/grpc/lds/inbound/" + host[0] + ":" + port, host[1] + ":" + port);
      }
    }
    Map<String, String> actual = new TreeMap<>();
    proxyless("greeter-0", "grpc").listeners().all().stream()
        .filter(l -> l.getName().startsWith(Names.GRPC_SERVER_LISTENER_PREFIX))
        .forEach(
            l -> {
              SocketAddress socket = l.getAddress().getSocketAddress();
              actual.put(l.getName(), socket.getAddress() + ":" + socket.getPortValue());
            });
    assertThat(actual).containsExactlyEntriesOf(expected);
  }

  @Test
  void serverListenersHaveIstiosShape() throws InvalidProtocolBufferException {
    Listener listener =
        proxyless("greeter-0", "grpc")
            .listeners()
            .get("xds.istio.io/grpc/lds/inbound/[::]:9000")
            .orElseThrow();
    assertThat(listener.getListenerFiltersList()).isEmpty();
    assertThat(listener.hasUseOriginalDst()).isFalse();
    assertThat(listener.hasDefaultFilterChain()).isFalse();
    assertThat(listener.hasApiListener()).isFalse();
    assertThat(listener.getTrafficDirectionValue()).isZero();
    FilterChain chain = listener.getFilterChains(0);
    assertThat(listener.getFilterChainsList()).hasSize(1);
    assertThat(chain.getName()).isEqualTo("inbound-plaintext");
    assertThat(chain.hasFilterChainMatch()).isFalse();
    assertThat(chain.hasTransportSocket()).isFalse();
    assertThat(chain.getFiltersList()).hasSize(1);
    assertThat(chain.getFilters(0).getName()).isEqualTo("inbound-hcmplaintext");
    HttpConnectionManager hcm =
        chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getStatPrefix()).isNotEmpty();
    assertThat(hcm.getCodecType()).isEqualTo(HttpConnectionManager.CodecType.AUTO);
    assertThat(hcm.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.router");
    RouteConfiguration routes = hcm.getRouteConfig();
    assertThat(routes.getName()).isEqualTo("inbound");
    assertThat(routes.getVirtualHostsList()).hasSize(1);
    VirtualHost host = routes.getVirtualHosts(0);
    assertThat(host.getName()).isEqualTo("inbound");
    assertThat(host.getDomainsList()).containsExactly("*");
    assertThat(host.getRoutesList())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getMatch().getPrefix()).isEqualTo("/");
              assertThat(r.hasNonForwardingAction()).isTrue();
            });
  }

  @Test
  void aProxylessNodeWithoutAPodInTheMeshGetsOnlyTheClientPart() {
    ProxyResources ghost = proxyless("ghost-0", "grpc");
    assertThat(ghost.listeners().byName().keySet())
        .noneMatch(n -> n.startsWith(Names.GRPC_SERVER_LISTENER_PREFIX))
        .contains("greeter:50051", "greeter.grpc.svc.cluster.local:50051");
    assertThat(ghost.problems()).isEmpty();
  }

  @Test
  void aNodeWhoseNamespaceDisagreesGetsNoServerListeners() throws Exception {
    ProxyNode spoofed =
        ProxyNode.from(
            Nodes.envoyNode(
                "greeter-0",
                "grpc",
                "10.10.0.5",
                Map.of("GENERATOR", "grpc", "NAMESPACE", "shop")));
    ProxyResources resources = Translator.prepare(STATE).forProxy(spoofed);
    assertThat(resources.listeners().byName().keySet())
        .noneMatch(n -> n.startsWith(Names.GRPC_SERVER_LISTENER_PREFIX))
        .contains("store:8080")
        .doesNotContain("greeter:50051");
  }

  @Test
  void aVirtualServiceAndItsSubsetsReachProxylessClientsWithoutPerFilterConfig() {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf
              subsets: [{name: v1, labels: {app: smf}}, {name: v2, labels: {track: canary}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: smf, namespace: telco}
            spec:
              hosts: [smf]
              http:
              - match: [{headers: {x-canary: {exact: "yes"}}}]
                route: [{destination: {host: smf, subset: v2}}]
                fault: {delay: {fixedDelay: 1s, percentage: {value: 5}}}
              - route:
                - {destination: {host: smf, subset: v1}, weight: 90}
                - {destination: {host: smf, subset: v2}, weight: 10}
            """);
    ProxyResources client = Translator.prepare(mesh).forProxy(Nodes.grpc("client", "telco"));
    List<Route> routes =
        client
            .routes()
            .byName()
            .get("smf.telco.svc.cluster.local:8080")
            .getVirtualHosts(0)
            .getRoutesList();
    assertThat(routes).hasSize(2);
    assertThat(routes.get(0).getRoute().getCluster())
        .isEqualTo("outbound|8080|v2|smf.telco.svc.cluster.local");
    assertThat(routes.get(0).getTypedPerFilterConfigMap()).isEmpty();
    assertThat(routes.get(1).getRoute().getWeightedClusters().getClustersList())
        .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
        .containsExactly(
            "outbound|8080|v1|smf.telco.svc.cluster.local=90",
            "outbound|8080|v2|smf.telco.svc.cluster.local=10");
    assertThat(client.clusters().byName())
        .containsKeys(
            "outbound|8080|v1|smf.telco.svc.cluster.local",
            "outbound|8080|v2|smf.telco.svc.cluster.local");
    assertThat(client.endpoints().byName())
        .containsKey("outbound|8080|v2|smf.telco.svc.cluster.local");
  }
}
