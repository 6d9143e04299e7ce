package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.EnvoyValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's VirtualService http routes on the demo (smf's h2c port 8080, with subsets from a
 * DestinationRule), read from YAML: the Envoy routes istiod builds for them, and the problems for
 * what telmesh refuses or does not apply yet, none of which widens a route.
 */
class VirtualServiceTest {

  private static final KubeObjects DEMO = Meshes.objects(Meshes.demoDir());
  private static final String SMF = "smf.telco.svc.cluster.local";
  private static final String SUBSETS =
      """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: smf, namespace: telco}
      spec:
        host: smf
        subsets:
        - {name: v1, labels: {app: smf}}
        - {name: v2, labels: {app: smf, track: canary}}
      ---
      """;

  private static MeshState with(String yaml) {
    return Meshes.demoWith(yaml);
  }

  private static ProxyResources amf(MeshState mesh) {
    return Translator.prepare(mesh)
        .forProxy(Nodes.forWorkload(mesh, new NamespacedName("telco", "amf-0")));
  }

  private static VirtualHost host(ProxyResources resources, String name) {
    RouteConfiguration routes = resources.routes().byName().get("8080");
    return routes.getVirtualHostsList().stream()
        .filter(h -> h.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void httpRulesBecomeIstiodsRoutesInOrder() {
    MeshState mesh =
        with(
            SUBSETS
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: smf, namespace: telco}
                spec:
                  hosts: [smf]
                  http:
                  - name: canary
                    match:
                    - uri: {prefix: /nsmf-pdusession}
                      headers: {X-Canary: {exact: "yes"}}
                    route:
                    - destination: {host: smf, subset: v2}
                    timeout: 3s
                    retries: {attempts: 2, perTryTimeout: 1s}
                  - route:
                    - {destination: {host: smf.telco.svc.cluster.local, subset: v1}, weight: 90}
                    - {destination: {host: smf, subset: v2, port: {number: 8080}}, weight: 10}
                """);
    assertThat(mesh.problems())
        .noneMatch(p -> p.kind().equals("VirtualService") || p.kind().equals("DestinationRule"));
    ProxyResources resources = amf(mesh);
    List<Route> routes = host(resources, SMF + ":8080").getRoutesList();
    assertThat(routes).hasSize(2);

    Route canary = routes.get(0);
    assertThat(canary.getName()).isEqualTo("canary");
    assertThat(canary.getMatch().getPrefix()).isEqualTo("/nsmf-pdusession");
    assertThat(canary.getMatch().getHeaders(0).getName()).isEqualTo("x-canary");
    assertThat(canary.getMatch().getHeaders(0).getStringMatch().getExact()).isEqualTo("yes");
    assertThat(canary.getRoute().getCluster()).isEqualTo("outbound|8080|v2|" + SMF);
    assertThat(canary.getRoute().getTimeout().getSeconds()).isEqualTo(3);
    assertThat(canary.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
    assertThat(canary.getRoute().getRetryPolicy().getPerTryTimeout().getSeconds()).isEqualTo(1);
    assertThat(canary.getRoute().getRetryPolicy().getRetryOn())
        .isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");

    Route split = routes.get(1);
    assertThat(split.getMatch().getPrefix()).isEqualTo("/");
    assertThat(split.getRoute().getWeightedClusters().getClustersList())
        .extracting(c -> c.getName() + "=" + c.getWeight().getValue())
        .containsExactly("outbound|8080|v1|" + SMF + "=90", "outbound|8080|v2|" + SMF + "=10");

    // Other Services' virtual hosts keep their default route.
    assertThat(
            host(resources, "amf.telco.svc.cluster.local:8080")
                .getRoutes(0)
                .getRoute()
                .getCluster())
        .isEqualTo("outbound|8080||amf.telco.svc.cluster.local");
    // Every cluster a route names exists: Envoy's own cross-resource rule.
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void whatCannotBeAppliedIsAProblemAndNeverWidensARoute() {
    MeshState mesh =
        with(
            SUBSETS
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: smf, namespace: telco}
                spec:
                  hosts: [smf, nowhere]
                  http:
                  - match: [{uri: {regex: "(?=a)b"}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{sourceLabels: {app: amf}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - route: [{destination: {host: smf, subset: v9}}]
                  - route: [{destination: {host: ghost}}]
                  - route: [{destination: {host: smf, subset: v1}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: edge, namespace: telco}
                spec:
                  hosts: [amf]
                  gateways: [istio-system/ingress]
                  http:
                  - route: [{destination: {host: amf}}]
                """);
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.kind().equals("VirtualService"))
                .map(p -> p.name() + " " + p.field() + ": " + p.reason()))
        .containsExactlyInAnyOrder(
            "smf spec.http[0].match[0].uri.regex: is not an RE2 regex (invalid or unsupported Perl"
                + " syntax); Envoy matches with RE2: never sent to Envoy",
            "smf spec.http[0]: left out: a match condition of it is not applied",
            "smf spec.http[1].match[0].sourceLabels: sourceLabels matches are not applied yet",
            "smf spec.http[1]: left out: a match condition of it is not applied",
            "smf spec.http[2].route[0].destination.subset: no DestinationRule of "
                + SMF
                + " defines subset v9: rule left out",
            "smf spec.http[3].route[0].destination.host: ghost is no Service of the mesh: rule"
                + " left out",
            "smf spec.hosts: nowhere is no Service of the mesh: its routes apply to nothing",
            "edge spec.gateways: bound to gateways only: telmesh serves sidecars, not applied");
    ProxyResources resources = amf(mesh);
    // Only the rule telmesh can express remains: nothing matches more than it was asked to.
    assertThat(host(resources, SMF + ":8080").getRoutesList())
        .singleElement()
        .satisfies(r -> assertThat(r.getRoute().getCluster()).isEqualTo("outbound|8080|v1|" + SMF));
    assertThat(
            host(resources, "amf.telco.svc.cluster.local:8080")
                .getRoutes(0)
                .getRoute()
                .getCluster())
        .isEqualTo("outbound|8080||amf.telco.svc.cluster.local");
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void regexMatchesBecomeSafeRegexWithoutTheDeprecatedEngine() {
    MeshState mesh =
        with(
            SUBSETS
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: smf, namespace: telco}
                spec:
                  hosts: [smf]
                  http:
                  - match:
                    - uri: {regex: "/nsmf-pdusession/v[0-9]+/sm-contexts/[^/]+"}
                      headers:
                        x-imsi: {regex: "imsi-[0-9]{15}"}
                        x-canary: {regex: "*"}
                    route: [{destination: {host: smf, subset: v2}}]
                  - route: [{destination: {host: smf, subset: v1}}]
                """);
    assertThat(mesh.problems()).noneMatch(p -> p.kind().equals("VirtualService"));
    ProxyResources resources = amf(mesh);
    Route regex = host(resources, SMF + ":8080").getRoutes(0);
    assertThat(regex.getMatch().getSafeRegex().getRegex())
        .isEqualTo("/nsmf-pdusession/v[0-9]+/sm-contexts/[^/]+");
    assertThat(regex.getMatch().getSafeRegex().hasGoogleRe2()).isFalse();
    assertThat(regex.getMatch().getHeadersList())
        .extracting(
            h ->
                h.getName()
                    + (h.getPresentMatch()
                        ? " present"
                        : " ~ " + h.getStringMatch().getSafeRegex().getRegex()))
        .containsExactly("x-canary present", "x-imsi ~ imsi-[0-9]{15}");
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void aRegexRe2WouldRefuseIsAProblemAndNeverReachesEnvoy() {
    String huge = "a".repeat(100_000);
    MeshState mesh =
        with(
            SUBSETS
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: smf, namespace: telco}
                spec:
                  hosts: [smf]
                  http:
                  - match: [{uri: {regex: "(a)\\\\1"}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {regex: "%s"}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{headers: {x-a: {regex: "(x{1000}){1000}"}}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{headers: {x-a: {regex: "(\\\\pL{20}){40}"}}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {regex: ""}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {regex: 42}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {regex: "(a+)+$"}}]
                    route: [{destination: {host: smf, subset: v1}}]
                """
                    .formatted(huge));
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.kind().equals("VirtualService"))
                .map(p -> p.field() + ": " + p.reason()))
        .containsExactlyInAnyOrder(
            "spec.http[0].match[0].uri.regex: is not an RE2 regex (invalid escape sequence); Envoy"
                + " matches with RE2: never sent to Envoy",
            "spec.http[0]: left out: a match condition of it is not applied",
            "spec.http[1].match[0].uri.regex: the regex is 100000 characters long, more than"
                + " Istio's 1024: never sent to Envoy",
            "spec.http[1]: left out: a match condition of it is not applied",
            "spec.http[2].match[0].headers.x-a.regex: nested counted repetitions multiply to"
                + " 1000000, more than RE2's 1000: never sent to Envoy",
            "spec.http[2]: left out: a match condition of it is not applied",
            "spec.http[3].match[0].headers.x-a.regex: the compiled regex would be larger than"
                + " Envoy's RE2 program limit (32768 instructions): never sent to Envoy",
            "spec.http[3]: left out: a match condition of it is not applied",
            "spec.http[4].match[0].uri.regex: an empty regex is not allowed (Istio's rule): never"
                + " sent to Envoy",
            "spec.http[4]: left out: a match condition of it is not applied",
            "spec.http[5].match[0].uri: needs exact, prefix or regex (a string)",
            "spec.http[5]: left out: a match condition of it is not applied");
    ProxyResources resources = amf(mesh);
    // (a+)+$ is slow only for backtracking engines; RE2 takes it, and it is the one route left.
    assertThat(host(resources, SMF + ":8080").getRoutesList())
        .singleElement()
        .satisfies(r -> assertThat(r.getMatch().getSafeRegex().getRegex()).isEqualTo("(a+)+$"));
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void tcpRulesSplitAPortsConnectionsAndKeepItsStatistics() throws Exception {
    MeshState mesh =
        with(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: oam, namespace: telco}
            spec:
              host: oam
              subsets:
              - {name: v1, labels: {app: oam}}
              - {name: v2, labels: {app: oam, track: canary}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: oam, namespace: telco}
            spec:
              hosts: [oam]
              tcp:
              - match: [{destinationSubnets: [10.0.0.0/8]}]
                route: [{destination: {host: oam, subset: v2}}]
              - match: [{port: 9000}]
                route:
                - {destination: {host: oam, subset: v1, port: {number: 9000}}, weight: 80}
                - {destination: {host: oam, subset: v2, port: {number: 9000}}, weight: 20}
            """);
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.kind().equals("VirtualService"))
                .map(p -> p.field() + ": " + p.reason()))
        .containsExactlyInAnyOrder(
            "spec.tcp[0].match[0].destinationSubnets: destinationSubnets matches are not applied yet",
            "spec.tcp[0]: left out: a match condition of it is not applied");
    ProxyResources resources = amf(mesh);
    io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy proxy = null;
    // oam's 9000 is sniffed (an unprefixed port name): its TCP chain follows the HTTP one.
    for (var listener : resources.listeners().all()) {
      if (listener.getName().endsWith("_9000")) {
        for (var chain : listener.getFilterChainsList()) {
          var config = chain.getFilters(0).getTypedConfig();
          if (config.is(
              io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.class)) {
            proxy =
                config.unpack(
                    io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.class);
          }
        }
      }
    }
    assertThat(proxy).isNotNull();
    // The sniffed port's HTTP chain keeps its default route: the VirtualService has no http rules.
    VirtualHost http =
        resources.routes().byName().get("9000").getVirtualHostsList().stream()
            .filter(h -> h.getName().equals("oam.telco.svc.cluster.local:9000"))
            .findFirst()
            .orElseThrow();
    assertThat(http.getRoutes(0).getRoute().getCluster())
        .isEqualTo("outbound|9000||oam.telco.svc.cluster.local");
    assertThat(proxy.getStatPrefix()).isEqualTo("outbound|9000||oam.telco.svc.cluster.local");
    assertThat(proxy.getWeightedClusters().getClustersList())
        .extracting(c -> c.getName() + "=" + c.getWeight())
        .containsExactly(
            "outbound|9000|v1|oam.telco.svc.cluster.local=80",
            "outbound|9000|v2|oam.telco.svc.cluster.local=20");
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }
}
