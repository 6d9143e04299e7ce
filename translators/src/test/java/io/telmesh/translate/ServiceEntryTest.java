package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.EnvoyValidator;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Istio's ServiceEntry on the demo: an external Diameter peer gets the Diameter profile and its own
 * cluster and statistics like an in-cluster one, in each resolution's Envoy shape; SCTP and UDP
 * ports stay untouched; hostile entries cost nothing else.
 */
class ServiceEntryTest {

  private static final String PEER = "dea.roaming-partner.example";

  private static ProxyResources amf(MeshState mesh) {
    return Translator.prepare(mesh)
        .forProxy(Nodes.forWorkload(mesh, new NamespacedName("telco", "amf-0")));
  }

  /** What reading the entries and building the shared outbound part reported about them. */
  private static Set<String> problems(MeshState mesh) {
    return Translator.prepare(mesh).problems().stream()
        .filter(p -> p.kind().equals("ServiceEntry"))
        .map(p -> p.name() + " " + p.field() + ": " + p.reason())
        .collect(Collectors.toSet());
  }

  private static TcpProxy tcpProxy(Listener listener) throws Exception {
    return listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class);
  }

  @Test
  void aStaticDiameterPeerGetsTheProfileItsClusterAndItsEndpoints() throws Exception {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: roaming-dea, namespace: telco}
            spec:
              hosts: [dea.roaming-partner.example]
              addresses: [192.0.2.10]
              location: MESH_EXTERNAL
              resolution: STATIC
              ports:
              - {number: 3868, name: diameter, protocol: TCP}
              - {number: 3868, name: diameter-sctp, protocol: SCTP}
              endpoints:
              - {address: 198.51.100.1, locality: eu/west-1/a}
              - {address: 198.51.100.2, ports: {diameter: 3869}}
            """);
    assertThat(problems(mesh)).isEmpty();
    ProxyResources amf = amf(mesh);
    String cluster = "outbound|3868||" + PEER;
    Cluster peer = amf.clusters().byName().get(cluster);
    assertThat(peer.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(peer.getUpstreamConnectionOptions().getTcpKeepalive().hasKeepaliveTime())
        .as("the Diameter profile's keepalive")
        .isTrue();
    ClusterLoadAssignment endpoints = amf.endpoints().byName().get(cluster);
    assertThat(
            endpoints.getEndpointsList().stream()
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(
                    e ->
                        e.getEndpoint().getAddress().getSocketAddress().getAddress()
                            + ":"
                            + e.getEndpoint().getAddress().getSocketAddress().getPortValue()))
        .containsExactlyInAnyOrder("198.51.100.1:3868", "198.51.100.2:3869");
    assertThat(endpoints.getEndpointsList())
        .anySatisfy(l -> assertThat(l.getLocality().getZone()).isEqualTo("west-1"));
    Listener listener = amf.listeners().byName().get("192.0.2.10_3868");
    TcpProxy proxy = tcpProxy(listener);
    assertThat(proxy.getCluster()).isEqualTo(cluster);
    assertThat(proxy.hasIdleTimeout()).isTrue();
    assertThat(proxy.getIdleTimeout().getSeconds()).as("no idle timeout: Diameter").isZero();
    assertThat(amf.listeners().byName().keySet()).noneMatch(n -> n.contains("sctp"));
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }

  @Test
  void aDnsPeerWithoutAddressesListensOnItsPortAndResolvesItsNames() throws Exception {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: hss-partner, namespace: telco}
            spec:
              hosts: [hss.partner.example]
              resolution: DNS
              ports: [{number: 3869, name: diameter-s6a, protocol: TCP}]
              endpoints:
              - {address: hss1.partner.example}
              - {address: hss2.partner.example, ports: {diameter-s6a: 3870}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: api, namespace: telco}
            spec:
              hosts: [api.partner.example]
              resolution: DNS_ROUND_ROBIN
              ports: [{number: 80, name: http, protocol: HTTP}]
            """);
    assertThat(problems(mesh)).isEmpty();
    ProxyResources amf = amf(mesh);
    Cluster hss = amf.clusters().byName().get("outbound|3869||hss.partner.example");
    assertThat(hss.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(
            hss.getLoadAssignment().getEndpoints(0).getLbEndpointsList().stream()
                .map(e -> e.getEndpoint().getAddress().getSocketAddress())
                .map(a -> a.getAddress() + ":" + a.getPortValue()))
        .containsExactly("hss1.partner.example:3869", "hss2.partner.example:3870");
    assertThat(amf.endpoints().byName()).doesNotContainKey("outbound|3869||hss.partner.example");
    Listener wildcard = amf.listeners().byName().get("0.0.0.0_3869");
    assertThat(tcpProxy(wildcard).getCluster()).isEqualTo("outbound|3869||hss.partner.example");

    Cluster api = amf.clusters().byName().get("outbound|80||api.partner.example");
    assertThat(api.getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(
            api.getLoadAssignment()
                .getEndpoints(0)
                .getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress())
        .isEqualTo("api.partner.example");
    VirtualHost host =
        amf.routes().byName().get("80").getVirtualHostsList().stream()
            .filter(h -> h.getDomainsList().contains("api.partner.example"))
            .findFirst()
            .orElseThrow();
    assertThat(host.getDomainsList()).containsExactly("api.partner.example");
    assertThat(host.getRoutes(0).getRoute().getCluster())
        .isEqualTo("outbound|80||api.partner.example");
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }

  @Test
  void resolutionNoneForwardsToTheDialledAddressAndRulesApplyToEntryHosts() throws Exception {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: peers, namespace: telco}
            spec:
              hosts: [peers.partner.example]
              addresses: [203.0.113.7]
              resolution: NONE
              ports: [{number: 3868, name: diameter, protocol: TCP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: peers, namespace: telco}
            spec:
              host: peers.partner.example
              trafficPolicy:
                connectionPool: {tcp: {maxConnections: 7}}
            """);
    assertThat(mesh.problems()).extracting(Problem::kind).doesNotContain("ServiceEntry");
    ProxyResources amf = amf(mesh);
    Cluster peers = amf.clusters().byName().get("outbound|3868||peers.partner.example");
    assertThat(peers.getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
    assertThat(peers.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue())
        .isEqualTo(7);
    assertThat(tcpProxy(amf.listeners().byName().get("203.0.113.7_3868")).getCluster())
        .isEqualTo("outbound|3868||peers.partner.example");
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }

  @Test
  void aSidecarImportsEntryHostsByTheirNamespace() {
    String entry =
        """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: dea, namespace: partners}
        spec:
          hosts: [dea.roaming-partner.example]
          addresses: [192.0.2.10]
          resolution: STATIC
          ports: [{number: 3868, name: diameter, protocol: TCP}]
          endpoints: [{address: 198.51.100.1}]
        ---
        """;
    String sidecar =
        """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: telco}
        spec:
          egress: [{hosts: ["./*", "partners/dea.roaming-partner.example"]}]
        """;
    assertThat(amf(Meshes.demoWith(entry + sidecar)).clusters().byName())
        .containsKey("outbound|3868||" + PEER);
    assertThat(
            amf(Meshes.demoWith(entry + sidecar.replace("partners/dea", "other/dea")))
                .clusters()
                .byName())
        .doesNotContainKey("outbound|3868||" + PEER);
  }

  @Test
  void hostileEntriesAreNamedAndCostNothingElse() {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: bad, namespace: telco}
            spec:
              hosts: ["*.wild.example", "not a host", smf.telco.svc.cluster.local, ok.example]
              addresses: [10.0.0.0/8, nonsense]
              resolution: STATIC
              ports:
              - {number: 0, name: zero}
              - {number: 7000, name: a, protocol: QUIC}
              - {number: 7001, name: b, protocol: TCP}
              - {number: 7001, name: c, protocol: TCP}
              endpoints:
              - {address: peer.example}
              - {address: 198.51.100.9, ports: {nope: 1}}
              - {address: 198.51.100.10, weight: 3, network: n1}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: wrong, namespace: telco}
            spec:
              hosts: [x.example]
              resolution: MAGIC
              ports: [{number: 1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: none-with-endpoints, namespace: telco}
            spec:
              hosts: [y.example]
              resolution: NONE
              ports: [{number: 15001, name: tcp, protocol: TCP}]
              endpoints: [{address: 198.51.100.1}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: empty, namespace: telco}
            spec: {hosts: [], ports: "all"}
            """);
    assertThat(problems(mesh))
        .anyMatch(p -> p.startsWith("bad spec.hosts[0]: wildcard"))
        .anyMatch(p -> p.startsWith("bad spec.hosts[1]: \"not a host\""))
        .anyMatch(
            p -> p.startsWith("bad spec.hosts[2]: smf.telco.svc.cluster.local is a Kubernetes"))
        .anyMatch(p -> p.startsWith("bad spec.addresses[0]: \"10.0.0.0/8\""))
        .anyMatch(p -> p.startsWith("bad spec.addresses[1]"))
        .anyMatch(p -> p.startsWith("bad spec.ports[0].number"))
        .anyMatch(p -> p.startsWith("bad spec.ports[1].protocol: \"QUIC\""))
        .anyMatch(p -> p.startsWith("bad spec.ports[3]: port 7001"))
        .anyMatch(p -> p.startsWith("bad spec.endpoints[0].address: \"peer.example\""))
        .anyMatch(p -> p.startsWith("bad spec.endpoints[1].ports: \"nope\""))
        .anyMatch(p -> p.startsWith("bad spec.endpoints[2].weight: not applied"))
        .anyMatch(p -> p.startsWith("bad spec.endpoints[2].network: not applied"))
        .anyMatch(p -> p.startsWith("wrong spec.resolution: \"MAGIC\""))
        .anyMatch(p -> p.startsWith("none-with-endpoints spec.endpoints: resolution NONE"))
        .anyMatch(p -> p.startsWith("none-with-endpoints spec.ports[0]: port 15001 without"))
        .anyMatch(p -> p.startsWith("empty spec: a valid host and a valid port"));
    ProxyResources amf = amf(mesh);
    assertThat(amf.clusters().byName())
        .containsKeys(
            "outbound|7001||ok.example",
            "outbound|8080||smf.telco.svc.cluster.local",
            "outbound|3868||hss.telco.svc.cluster.local")
        .doesNotContainKey("outbound|7001||smf.telco.svc.cluster.local");
    assertThat(amf.listeners().byName()).containsKey("virtualOutbound");
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }

  @Test
  void aWorkloadSelectorMakesTheEntryNamespacesPodsItsEndpoints() {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: hss-realm, namespace: telco}
            spec:
              hosts: [hss.realm.example]
              addresses: [192.0.2.30]
              location: MESH_INTERNAL
              resolution: STATIC
              workloadSelector: {labels: {app: hss}}
              ports: [{number: 3868, name: diameter, protocol: TCP}]
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: everyone, namespace: telco}
            spec:
              hosts: [all.realm.example]
              workloadSelector: {labels: {}}
              ports: [{number: 7000, name: tcp, protocol: TCP}]
            """);
    assertThat(problems(mesh))
        .containsExactly(
            "everyone spec.workloadSelector.labels: labels are required: the ServiceEntry is"
                + " ignored");
    ProxyResources amf = amf(mesh);
    String cluster = "outbound|3868||hss.realm.example";
    assertThat(amf.clusters().byName().get(cluster).getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(
            amf.endpoints().byName().get(cluster).getEndpointsList().stream()
                .flatMap(l -> l.getLbEndpointsList().stream())
                .map(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress()))
        .containsExactly("10.244.2.20");
    assertThat(amf.clusters().byName()).doesNotContainKey("outbound|7000||all.realm.example");
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }
}
