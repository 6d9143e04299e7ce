package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.Problem;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.EnvoyValidator;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Istio's Sidecar on the demo (namespace telco) plus a Service in namespace {@code billing}: which
 * Services each sidecar is sent, which Sidecar applies to which pod as istiod picks it, the
 * outbound traffic policy's Envoy shapes, and hostile Sidecars costing nothing else.
 */
class SidecarTest {

  private static final String BILLING =
      """
      apiVersion: v1
      kind: Service
      metadata: {name: cdr, namespace: billing, creationTimestamp: "2024-01-01T00:00:00Z"}
      spec:
        clusterIP: 10.96.50.1
        selector: {app: cdr}
        ports: [{name: tcp-cdr, port: 7000}]
      ---
      """;

  private static final String HSS = "outbound|3868||hss.telco.svc.cluster.local";
  private static final String OCS = "outbound|3868||ocs.telco.svc.cluster.local";
  private static final String SMF = "outbound|8080||smf.telco.svc.cluster.local";
  private static final String CDR = "outbound|7000||cdr.billing.svc.cluster.local";

  private static ProxyResources proxy(MeshTranslation translation, String pod) {
    return translation.forProxy(
        Nodes.forWorkload(translation.mesh(), new NamespacedName("telco", pod)));
  }

  private static ProxyResources proxy(MeshState mesh, String pod) {
    return proxy(Translator.prepare(mesh), pod);
  }

  private static Set<String> outboundClusters(ProxyResources resources) {
    return resources.clusters().byName().keySet().stream()
        .filter(n -> n.startsWith("outbound|"))
        .collect(Collectors.toSet());
  }

  private static Set<String> sidecarProblems(MeshState mesh) {
    return mesh.problems().stream()
        .filter(p -> p.kind().equals("Sidecar"))
        .map(p -> p.name() + " " + p.field() + ": " + p.reason())
        .collect(Collectors.toSet());
  }

  private static TcpProxy tcpProxy(FilterChain chain) throws Exception {
    return chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class);
  }

  @Test
  void aNamespaceSidecarSendsOnlyTheHostsItImports() {
    MeshState mesh =
        Meshes.demoWith(
            BILLING
                + """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: telco}
                spec:
                  egress:
                  - hosts: [./hss.telco.svc.cluster.local, "./*.ocs.telco.svc.cluster.local",
                            "./ocs.telco.svc.cluster.local"]
                """);
    assertThat(sidecarProblems(mesh)).isEmpty();
    ProxyResources amf = proxy(mesh, "amf-0");
    assertThat(outboundClusters(amf)).containsExactlyInAnyOrder(HSS, OCS);
    assertThat(amf.clusters().byName()).containsKeys("PassthroughCluster", "BlackHoleCluster");
    assertThat(amf.endpoints().byName().keySet()).containsExactlyInAnyOrder(HSS, OCS);
    assertThat(amf.listeners().byName().keySet())
        .noneMatch(n -> n.endsWith("_8080") || n.endsWith("_7000") || n.endsWith("_9042"))
        .contains("virtualOutbound", "virtualInbound");
    assertThat(amf.routes().byName()).isEmpty();
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();

    ProxyResources unscoped = proxy(Meshes.demoWith(BILLING), "amf-0");
    assertThat(outboundClusters(unscoped)).contains(HSS, OCS, SMF, CDR);
    assertThat(serializedSize(amf)).isLessThan(serializedSize(unscoped));
  }

  @Test
  void istiodsOrderPicksTheSidecarSelectorThenNamespaceThenRoot() {
    String root =
        """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: istio-system}
        spec:
          egress:
          - hosts: ["./*"]
        ---
        """;
    String forSmf =
        """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: smf-only-billing, namespace: telco}
        spec:
          workloadSelector: {labels: {app: smf}}
          egress:
          - hosts: [billing/*]
        ---
        """;
    MeshState rootOnly = Meshes.demoWith(BILLING + root);
    assertThat(outboundClusters(proxy(rootOnly, "amf-0")))
        .as("the root default's ./* is the pod's own namespace")
        .contains(HSS, OCS, SMF)
        .doesNotContain(CDR);

    MeshState selected = Meshes.demoWith(BILLING + root + forSmf);
    MeshTranslation translation = Translator.prepare(selected);
    assertThat(outboundClusters(proxy(translation, "smf-0"))).containsExactly(CDR);
    assertThat(outboundClusters(proxy(translation, "amf-0"))).contains(HSS).doesNotContain(CDR);
    assertThat(translation.sidecarFor(selected.workload(key("smf-0")).orElseThrow()))
        .map(s -> s.key().name())
        .contains("smf-only-billing");

    MeshState namespaceWide =
        Meshes.demoWith(
            BILLING
                + root
                + forSmf
                + """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: telco}
                spec:
                  egress:
                  - hosts: ["*/*"]
                """);
    assertThat(outboundClusters(proxy(namespaceWide, "amf-0"))).contains(HSS, CDR);
    assertThat(outboundClusters(proxy(namespaceWide, "smf-0"))).containsExactly(CDR);
  }

  @Test
  void sidecarsWithTheSameViewShareOneOutboundPart() {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: telco}
            spec:
              egress:
              - hosts: [./hss.telco.svc.cluster.local]
            """);
    MeshTranslation translation = Translator.prepare(mesh);
    ProxyResources amf = proxy(translation, "amf-0");
    ProxyResources smf = proxy(translation, "smf-0");
    assertThat(amf.clusters().segments().get(0)).isSameAs(smf.clusters().segments().get(0));
    assertThat(amf.listeners().segments().get(0)).isSameAs(smf.listeners().segments().get(0));
  }

  @Test
  void aPortListenerDecidesItsPortAndThePortlessOneTheRest() {
    MeshState mesh =
        Meshes.demoWith(
            BILLING
                + """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: telco}
                spec:
                  egress:
                  - port: {number: 3868, protocol: TCP, name: diameter}
                    hosts: [./ocs.telco.svc.cluster.local]
                  - hosts: ["./*"]
                """);
    assertThat(sidecarProblems(mesh)).isEmpty();
    assertThat(outboundClusters(proxy(mesh, "amf-0")))
        .as("hss's 3868 is not among port 3868's hosts")
        .contains(OCS, SMF)
        .doesNotContain(HSS, CDR);
  }

  @Test
  void aVirtualServicesDestinationsComeWithItsHost() {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: smf, namespace: telco}
            spec:
              hosts: [smf]
              http:
              - route:
                - {destination: {host: smf}, weight: 90}
                - {destination: {host: smf-signaling}, weight: 10}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: default, namespace: telco}
            spec:
              egress:
              - hosts: [./smf.telco.svc.cluster.local]
            """);
    ProxyResources amf = proxy(mesh, "amf-0");
    assertThat(outboundClusters(amf))
        .containsExactlyInAnyOrder(SMF, "outbound|8080||smf-signaling.telco.svc.cluster.local");
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }

  @Test
  void registryOnlyEndsUnknownDestinationsAtTheBlackHoleAsIstiodDoes() throws Exception {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: locked, namespace: telco}
            spec:
              workloadSelector: {labels: {app: amf}}
              outboundTrafficPolicy: {mode: REGISTRY_ONLY}
            """);
    MeshTranslation translation = Translator.prepare(mesh);
    ProxyResources amf = proxy(translation, "amf-0");
    Listener virtualOutbound = amf.listeners().byName().get("virtualOutbound");
    for (FilterChain chain : virtualOutbound.getFilterChainsList()) {
      assertThat(tcpProxy(chain).getCluster()).as(chain.getName()).isEqualTo("BlackHoleCluster");
    }
    Listener http = amf.listeners().byName().get("0.0.0.0_8080");
    assertThat(tcpProxy(http.getDefaultFilterChain()).getCluster()).isEqualTo("BlackHoleCluster");
    RouteConfiguration routes = amf.routes().byName().get("8080");
    VirtualHost last = routes.getVirtualHosts(routes.getVirtualHostsCount() - 1);
    assertThat(last.getName()).isEqualTo("block_all");
    assertThat(last.getDomainsList()).containsExactly("*");
    assertThat(last.getRoutes(0).getDirectResponse().getStatus()).isEqualTo(502);
    assertThat(outboundClusters(amf)).contains(HSS, SMF);
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();

    ProxyResources smf = proxy(translation, "smf-0");
    assertThat(smf.routes().byName().get("8080").getVirtualHostsList())
        .extracting(VirtualHost::getName)
        .contains("allow_any")
        .doesNotContain("block_all");
    Listener smfOutbound = smf.listeners().byName().get("virtualOutbound");
    assertThat(
            tcpProxy(smfOutbound.getFilterChains(smfOutbound.getFilterChainsCount() - 1))
                .getCluster())
        .isEqualTo("PassthroughCluster");
  }

  @Test
  void theMeshDefaultPolicyAppliesUnlessTheSidecarSetsOne() throws Exception {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: open, namespace: telco}
            spec:
              workloadSelector: {labels: {app: smf}}
              outboundTrafficPolicy: {mode: ALLOW_ANY}
            """);
    MeshTranslation translation =
        Translator.prepare(
            mesh,
            new TranslationSettings(false, "istio-system", OutboundTrafficPolicy.REGISTRY_ONLY));
    Listener amf = proxy(translation, "amf-0").listeners().byName().get("virtualOutbound");
    Listener smf = proxy(translation, "smf-0").listeners().byName().get("virtualOutbound");
    assertThat(tcpProxy(amf.getFilterChains(amf.getFilterChainsCount() - 1)).getCluster())
        .isEqualTo("BlackHoleCluster");
    assertThat(tcpProxy(smf.getFilterChains(smf.getFilterChainsCount() - 1)).getCluster())
        .isEqualTo("PassthroughCluster");
  }

  @Test
  void aSidecarForOtherPodsLeavesAProxysConfigByteIdentical() {
    ProxyResources before = proxy(Meshes.demo(), "amf-0");
    ProxyResources after =
        proxy(
            Meshes.demoWith(
                """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: smf, namespace: telco}
                spec:
                  workloadSelector: {labels: {app: smf}}
                  egress: [{hosts: [./hss.telco.svc.cluster.local]}]
                """),
            "amf-0");
    assertThat(after.listeners().all()).isEqualTo(before.listeners().all());
    assertThat(after.clusters().all()).isEqualTo(before.clusters().all());
    assertThat(after.routes().all()).isEqualTo(before.routes().all());
  }

  @Test
  void hostileSidecarsAreNamedAndCostNothingElse() {
    String hugeHosts =
        IntStream.range(0, 20_000)
            .mapToObj(i -> "\"telco/h" + i + ".telco.svc.cluster.local\"")
            .collect(Collectors.joining(", "));
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: bad-selector, namespace: telco}
            spec:
              workloadSelector: {labels: {"app*": amf}}
              egress: [{hosts: ["~/*"]}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: bad-hosts, namespace: telco}
            spec:
              workloadSelector: {labels: {app: smf}}
              egress:
              - port: {number: 9999, protocol: TCP}
                hosts: [hss, "/x", "Telco/*", "./a..b", "./*x.y", 42, "./"""
                + "a".repeat(300)
                + """
            "]
              - port: {number: 70000}
                hosts: ["./*"]
              - hosts: ["./ocs.telco.svc.cluster.local"]
              outboundTrafficPolicy: {mode: DENY}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: wrong-types, namespace: telco}
            spec:
              workloadSelector: {labels: {app: hss}}
              egress: "everything"
              ingress: [{port: {number: 3868}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: huge, namespace: telco}
            spec:
              workloadSelector: {labels: {app: ocs}}
              egress:
              - hosts: ["""
                + hugeHosts
                + """
            ]
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: empty, namespace: telco}
            spec: {}
            """);
    Set<String> problems = sidecarProblems(mesh);
    assertThat(problems)
        .anyMatch(p -> p.startsWith("bad-selector spec.workloadSelector.labels: \"app*\""))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[0]: \"hss\""))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[1]"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[2]: \"Telco/*\""))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[3]"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[4]"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[5]"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts[6]") && p.contains("…"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[0].hosts: no valid host"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.egress[1].port.number"))
        .anyMatch(p -> p.startsWith("bad-hosts spec.outboundTrafficPolicy.mode: \"DENY\""))
        .anyMatch(p -> p.startsWith("wrong-types spec.egress: is not a list"))
        .anyMatch(p -> p.startsWith("wrong-types spec.ingress: not applied"))
        .anyMatch(p -> p.startsWith("empty spec: empty configuration"));
    assertThat(problems).allMatch(p -> p.length() < 400);

    MeshTranslation translation = Translator.prepare(mesh);
    assertThat(outboundClusters(proxy(translation, "amf-0")))
        .as("the Sidecar with a bad selector is ignored, not applied namespace-wide")
        .contains(HSS, SMF);
    assertThat(outboundClusters(proxy(translation, "smf-0")))
        .as("only the valid egress listener of bad-hosts applies")
        .containsExactly(OCS);
    assertThat(outboundClusters(proxy(translation, "hss-0"))).contains(HSS, OCS, SMF);
    assertThat(outboundClusters(proxy(translation, "ocs-0"))).isEmpty();
    assertThat(proxy(translation, "db-0").clusters().byName()).containsKey(SMF);
  }

  @Test
  void aShadowedSidecarIsReported() {
    MeshState mesh =
        Meshes.demoWith(
            """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: first, namespace: telco, creationTimestamp: "2024-01-01T00:00:00Z"}
            spec: {egress: [{hosts: ["./*"]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: second, namespace: telco, creationTimestamp: "2024-02-01T00:00:00Z"}
            spec: {egress: [{hosts: ["*/*"]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: amf-a, namespace: telco, creationTimestamp: "2024-01-01T00:00:00Z"}
            spec: {workloadSelector: {labels: {app: amf}}, egress: [{hosts: ["./*"]}]}
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: amf-b, namespace: telco, creationTimestamp: "2024-03-01T00:00:00Z"}
            spec: {workloadSelector: {labels: {app: amf}}, egress: [{hosts: ["~/*"]}]}
            """);
    assertThat(mesh.problems())
        .extracting(Problem::name, Problem::reason)
        .anySatisfy(
            p -> {
              assertThat(p.toList().get(0)).isEqualTo("second");
              assertThat((String) p.toList().get(1)).contains("(first, older)");
            })
        .anySatisfy(
            p -> {
              assertThat(p.toList().get(0)).isEqualTo("amf-b");
              assertThat((String) p.toList().get(1)).contains("(amf-a)").contains("pod amf-0");
            });
    assertThat(outboundClusters(proxy(mesh, "amf-0"))).contains(HSS);
  }

  private static NamespacedName key(String pod) {
    return new NamespacedName("telco", pod);
  }

  private static long serializedSize(ProxyResources resources) {
    return resources.listeners().all().stream().mapToLong(m -> m.getSerializedSize()).sum()
        + resources.clusters().all().stream().mapToLong(m -> m.getSerializedSize()).sum()
        + resources.routes().all().stream().mapToLong(m -> m.getSerializedSize()).sum()
        + resources.endpoints().all().stream().mapToLong(m -> m.getSerializedSize()).sum();
  }
}
