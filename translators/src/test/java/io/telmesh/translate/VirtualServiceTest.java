package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
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

  /** hss's Diameter port with one subset, for tcp rules to send to. */
  private static final String HSS_SUBSET =
      """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: hss, namespace: telco}
      spec:
        host: hss
        subsets: [{name: primary, labels: {app: hss}}]
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

  /** The mesh's VirtualService problems, as "field: reason". */
  private static List<String> problems(MeshState mesh) {
    return mesh.problems().stream()
        .filter(p -> p.kind().equals("VirtualService"))
        .map(p -> p.field() + ": " + p.reason())
        .toList();
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
                  - match: [{queryParams: {imsi: {regex: "(?=0)01"}}}]
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
            "smf spec.http[1].match[0].queryParams.imsi.regex: is not an RE2 regex (invalid or"
                + " unsupported Perl syntax); Envoy matches with RE2: never sent to Envoy",
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
  void methodAuthoritySchemeQueryParamsAndWithoutHeadersMatchAsIstiodTranslatesThem() {
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
                  - match: [{method: {exact: POST}, authority: {prefix: smf}, scheme: {exact: http}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{method: {regex: "GET|HEAD"}}]
                    route: [{destination: {host: smf, subset: v1}}]
                  - match: [{method: {regex: "(?=P)OST"}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - match:
                    - queryParams: {imsi: {exact: "001"}, debug: {regex: "on|yes"}}
                      withoutHeaders: {x-canary: {exact: "yes"}, x-test: {regex: "*"}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{withoutHeaders: {":method": {exact: GET}}}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - route: [{destination: {host: smf, subset: v1}}]
                """);
    assertThat(problems(mesh))
        .containsExactlyInAnyOrder(
            "spec.http[2].match[0].method.regex: is not an RE2 regex (invalid or unsupported Perl"
                + " syntax); Envoy matches with RE2: never sent to Envoy",
            "spec.http[2]: left out: a match condition of it is not applied",
            "spec.http[4].match[0].withoutHeaders.:method: a pseudo-header cannot be excluded",
            "spec.http[4]: left out: a match condition of it is not applied");
    ProxyResources resources = amf(mesh);
    List<Route> routes = host(resources, SMF + ":8080").getRoutesList();
    assertThat(routes).hasSize(4);
    assertThat(routes.get(0).getMatch().getHeadersList())
        .extracting(
            h ->
                h.getName()
                    + " "
                    + (h.getStringMatch().hasSafeRegex()
                        ? "~" + h.getStringMatch().getSafeRegex().getRegex()
                        : h.getStringMatch().getExact() + h.getStringMatch().getPrefix()))
        .containsExactlyInAnyOrder(":authority smf", ":method POST", ":scheme http");
    assertThat(routes.get(1).getMatch().getHeaders(0).getName()).isEqualTo(":method");
    assertThat(routes.get(1).getMatch().getHeaders(0).getStringMatch().getSafeRegex().getRegex())
        .isEqualTo("GET|HEAD");
    // queryParams and withoutHeaders (inverted header matchers, "*" being presence).
    var query = routes.get(2).getMatch();
    assertThat(query.getQueryParametersList())
        .extracting(
            q ->
                q.getName()
                    + " "
                    + q.getStringMatch().getExact()
                    + q.getStringMatch().getSafeRegex().getRegex())
        .containsExactly("debug on|yes", "imsi 001");
    assertThat(query.getHeadersList())
        .extracting(
            h ->
                h.getName()
                    + (h.getInvertMatch() ? " not " : " ")
                    + (h.getPresentMatch() ? "present" : h.getStringMatch().getExact()))
        .containsExactly("x-canary not yes", "x-test not present");
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
    assertThat(problems(mesh))
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
  void faultRewriteAndHeadersTakeIstiodsEnvoyShape() throws Exception {
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
                  - name: chaos
                    match: [{uri: {prefix: /old}}]
                    fault:
                      delay: {fixedDelay: 250ms, percentage: {value: 12.5}}
                      abort: {httpStatus: 503, percentage: {value: 0.0001}}
                    rewrite: {uri: /new, authority: smf.internal}
                    headers:
                      request:
                        set: {x-b: "2", x-a: "1"}
                        add: {x-trace: "on"}
                        remove: [x-debug]
                      response:
                        set: {cache-control: no-store}
                        remove: [server]
                    route: [{destination: {host: smf, subset: v1}, headers: {request: {set: {x-a: "3"}}}}]
                  - name: grpc
                    match: [{uri: {regex: "/v[0-9]+/(.*)"}}]
                    fault:
                      abort: {grpcStatus: UNAVAILABLE}
                      delay: {fixedDelay: 1s, percent: 5}
                    rewrite:
                      uriRegexRewrite: {match: "^/v[0-9]+/(.*)$", rewrite: "/\\\\1"}
                    route:
                    - destination: {host: smf, subset: v1}
                      weight: 80
                      headers:
                        request: {set: {":authority": v1.smf, x-subset: v1}}
                        response: {add: {x-served-by: v1}}
                    - destination: {host: smf, subset: v2}
                      weight: 20
                      headers: {request: {remove: [x-a]}}
                """);
    assertThat(mesh.problems()).noneMatch(p -> p.kind().equals("VirtualService"));
    ProxyResources resources = amf(mesh);
    List<Route> routes = host(resources, SMF + ":8080").getRoutesList();

    Route chaos = routes.get(0);
    HTTPFault fault =
        chaos.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault").unpack(HTTPFault.class);
    assertThat(fault.getDelay().getFixedDelay().getNanos()).isEqualTo(250_000_000);
    assertThat(fault.getDelay().getPercentage().getNumerator()).isEqualTo(125_000);
    assertThat(fault.getDelay().getPercentage().getDenominator())
        .isEqualTo(FractionalPercent.DenominatorType.MILLION);
    assertThat(fault.getAbort().getHttpStatus()).isEqualTo(503);
    assertThat(fault.getAbort().getPercentage().getNumerator()).isEqualTo(1);
    assertThat(chaos.getRoute().getPrefixRewrite()).isEqualTo("/new");
    assertThat(chaos.getRoute().getHostRewriteLiteral()).isEqualTo("smf.internal");
    // istiod's order: the rule's sets by name, its adds, then the destination's (its set wins).
    assertThat(chaos.getRequestHeadersToAddList())
        .extracting(
            h ->
                h.getHeader().getKey() + "=" + h.getHeader().getValue() + " " + h.getAppendAction())
        .containsExactly(
            "x-a=1 OVERWRITE_IF_EXISTS_OR_ADD",
            "x-b=2 OVERWRITE_IF_EXISTS_OR_ADD",
            "x-trace=on APPEND_IF_EXISTS_OR_ADD",
            "x-a=3 OVERWRITE_IF_EXISTS_OR_ADD");
    assertThat(chaos.getRequestHeadersToRemoveList()).containsExactly("x-debug");
    assertThat(chaos.getResponseHeadersToAdd(0).getHeader().getKey()).isEqualTo("cache-control");
    assertThat(chaos.getResponseHeadersToRemoveList()).containsExactly("server");

    Route grpc = routes.get(1);
    HTTPFault grpcFault =
        grpc.getTypedPerFilterConfigOrThrow("envoy.filters.http.fault").unpack(HTTPFault.class);
    assertThat(grpcFault.getAbort().getGrpcStatus()).isEqualTo(14);
    // No percentage: none of the requests, as istiod leaves it to Envoy's default.
    assertThat(grpcFault.getAbort().hasPercentage()).isFalse();
    assertThat(grpcFault.getDelay().getPercentage().getNumerator()).isEqualTo(5);
    assertThat(grpcFault.getDelay().getPercentage().getDenominator())
        .isEqualTo(FractionalPercent.DenominatorType.HUNDRED);
    assertThat(grpc.getRoute().getRegexRewrite().getPattern().getRegex())
        .isEqualTo("^/v[0-9]+/(.*)$");
    assertThat(grpc.getRoute().getRegexRewrite().getSubstitution()).isEqualTo("/\\1");
    var v1 = grpc.getRoute().getWeightedClusters().getClusters(0);
    assertThat(v1.getHostRewriteLiteral()).isEqualTo("v1.smf");
    assertThat(v1.getRequestHeadersToAddList())
        .extracting(h -> h.getHeader().getKey())
        .containsExactly("x-subset");
    assertThat(v1.getResponseHeadersToAdd(0).getAppendAction())
        .isEqualTo(HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
    var v2 = grpc.getRoute().getWeightedClusters().getClusters(1);
    assertThat(v2.getRequestHeadersToRemoveList()).containsExactly("x-a");
    assertThat(v2.hasHostRewriteLiteral()).isFalse();
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void badFaultRewriteAndHeadersAreProblemsNamingTheirFields() {
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
                  - match: [{uri: {prefix: /a}}]
                    rewrite: {uri: /x, uriRegexRewrite: {match: "a", rewrite: b}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /b}}]
                    rewrite: {uriRegexRewrite: {match: "(?!x)", rewrite: b}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /c}}]
                    rewrite: {}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /d}}]
                    fault: {abort: {httpStatus: 600}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /e}}]
                    fault: {delay: {fixedDelay: 1s, percentage: {value: 100.5}}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /f}}]
                    fault: {abort: {grpcStatus: TEAPOT}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /g}}]
                    fault: {delay: {exponentialDelay: 1s}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /h}}]
                    fault: {}
                    headers:
                      request:
                        set: {":path": /x, "bad name": v, x-ok: "%HOSTNAME%", x-fine: "100%%"}
                        remove: [host]
                      response: {add: {x-nl: "a\\nb"}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - match: [{uri: {prefix: /i}}]
                    fault: slow
                    rewrite: {uri: 7}
                    route: [{destination: {host: smf, subset: v2}}]
                  - route: [{destination: {host: smf, subset: v1}}]
                """);
    assertThat(problems(mesh))
        .containsExactlyInAnyOrder(
            "spec.http[8].rewrite.uri: is not a non-empty text without control characters",
            "spec.http[8]: left out: its rewrite is not applied",
            "spec.http[0].rewrite: may hold uri or uriRegexRewrite, not both (Istio's rule)",
            "spec.http[0]: left out: its rewrite is not applied",
            "spec.http[1].rewrite.uriRegexRewrite.match: is not an RE2 regex (invalid or"
                + " unsupported Perl syntax); Envoy matches with RE2: never sent to Envoy",
            "spec.http[1]: left out: its rewrite is not applied",
            "spec.http[2].rewrite: needs uri, uriRegexRewrite or authority (Istio's rule)",
            "spec.http[2]: left out: its rewrite is not applied",
            "spec.http[3].fault.abort.httpStatus: must be an HTTP status 200-599",
            "spec.http[3].fault: left out: the rule routes without fault injection",
            "spec.http[4].fault.delay.percentage.value: must be 0 or between 0.0001 and 100"
                + " (Istio's rule)",
            "spec.http[4].fault: left out: the rule routes without fault injection",
            "spec.http[5].fault.abort.grpcStatus: \"TEAPOT\" is not a gRPC status name such as"
                + " UNAVAILABLE",
            "spec.http[5].fault: left out: the rule routes without fault injection",
            "spec.http[6].fault.delay.exponentialDelay: is not supported (Istio's rule)",
            "spec.http[6].fault: left out: the rule routes without fault injection",
            "spec.http[7].fault: needs an abort, a delay or both (Istio's rule)",
            "spec.http[7].fault: left out: the rule routes without fault injection",
            "spec.http[7].headers.request.set.:path: \":path\" may not be changed: left out",
            "spec.http[7].headers.request.set.bad name: \"bad name\" is not a header name: left"
                + " out",
            "spec.http[7].headers.request.set.x-ok: is not a header value telmesh sends as it is"
                + " (text without control characters; % only as %%, Envoy's format variables are"
                + " not applied): left out",
            "spec.http[7].headers.request.remove[0]: \"host\" may not be changed: left out",
            "spec.http[7].headers.response.add.x-nl: is not a header value telmesh sends as it is"
                + " (text without control characters; % only as %%, Envoy's format variables are"
                + " not applied): left out");
    ProxyResources resources = amf(mesh);
    List<Route> routes = host(resources, SMF + ":8080").getRoutesList();
    // Rules with a refused rewrite are gone; those with a refused fault route without one.
    assertThat(routes)
        .extracting(r -> r.getMatch().getPrefix())
        .containsExactly("/d", "/e", "/f", "/g", "/h", "/");
    assertThat(routes).allSatisfy(r -> assertThat(r.getTypedPerFilterConfigMap()).isEmpty());
    assertThat(routes.get(4).getRequestHeadersToAddList())
        .extracting(h -> h.getHeader().getKey() + "=" + h.getHeader().getValue())
        .containsExactly("x-fine=100%%");
    assertThat(routes.get(4).getRequestHeadersToRemoveList()).isEmpty();
    assertThat(routes.get(4).getResponseHeadersToAddList()).isEmpty();
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
              - name: v2
                labels: {app: oam, track: canary}
                trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: oam, namespace: telco}
            spec:
              hosts: [oam]
              tcp:
              - match: [{port: 9000, destinationSubnets: [192.168.0.0/16]}]
                route: [{destination: {host: oam, subset: v2}}]
              - match: [{port: 9000}]
                route:
                - {destination: {host: oam, subset: v1, port: {number: 9000}}, weight: 80}
                - {destination: {host: oam, subset: v2, port: {number: 9000}}, weight: 20}
            """);
    assertThat(mesh.problems())
        .as("oam's VIP 10.96.0.12 is outside 192.168.0.0/16: the first rule does not apply there")
        .noneMatch(p -> p.kind().equals("VirtualService"));
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
    // One of the split's clusters hashes on the client's address: the tcp_proxy does, as istiod.
    assertThat(proxy.getHashPolicyList())
        .singleElement()
        .satisfies(h -> assertThat(h.hasSourceIp()).isTrue());
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void sourceLabelsPutAMatchIntoTheRoutesOfTheClientsCarryingThemOnly() {
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
                  - name: from-amf
                    match:
                    - {uri: {prefix: /a}, sourceLabels: {app: amf}}
                    - {uri: {prefix: /b}, sourceLabels: {app: amf, track: none}}
                    route: [{destination: {host: smf, subset: v2}}]
                  - name: bad
                    match: [{uri: {prefix: /c}, sourceLabels: "app=amf"}]
                    route: [{destination: {host: smf, subset: v2}}]
                  - route: [{destination: {host: smf, subset: v1}}]
                """);
    assertThat(mesh.problems())
        .anySatisfy(p -> assertThat(p.field()).isEqualTo("spec.http[1].match[0].sourceLabels"));
    MeshTranslation translation = Translator.prepare(mesh);
    List<Route> forAmf =
        host(
                translation.forProxy(Nodes.forWorkload(mesh, new NamespacedName("telco", "amf-0"))),
                SMF + ":8080")
            .getRoutesList();
    assertThat(forAmf)
        .extracting(r -> r.getName() + " " + r.getMatch().getPrefix())
        .containsExactly("from-amf /a", "default /");
    List<Route> forHss =
        host(
                translation.forProxy(Nodes.forWorkload(mesh, new NamespacedName("telco", "hss-0"))),
                SMF + ":8080")
            .getRoutesList();
    assertThat(forHss).extracting(r -> r.getMatch().getPrefix()).containsExactly("/");
    assertThat(
            translation
                .forProxy(Nodes.grpc("client", "telco"))
                .routes()
                .byName()
                .get(SMF + ":8080")
                .getVirtualHosts(0)
                .getRoutesList())
        .as("a proxyless client's labels are unknown: no sourceLabels match is for it")
        .extracting(r -> r.getMatch().getPrefix())
        .containsExactly("/");
  }

  @Test
  void aTcpMatchWithSourceLabelsSendsOnlyItsClientsConnectionsToTheSubset() throws Exception {
    MeshState mesh =
        with(
            HSS_SUBSET
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: hss, namespace: telco}
                spec:
                  hosts: [hss]
                  tcp:
                  - match: [{port: 3868, sourceLabels: {app: amf}}]
                    route: [{destination: {host: hss, subset: primary}}]
                  - match: [{port: 3868, sourceLabels: 7}]
                    route: [{destination: {host: hss, subset: primary}}]
                """);
    assertThat(mesh.problems())
        .anySatisfy(p -> assertThat(p.field()).isEqualTo("spec.tcp[1].match[0].sourceLabels"));
    MeshTranslation translation = Translator.prepare(mesh);
    assertThat(hssCluster(translation, "amf-0"))
        .isEqualTo("outbound|3868|primary|hss.telco.svc.cluster.local");
    assertThat(hssCluster(translation, "smf-0"))
        .isEqualTo("outbound|3868||hss.telco.svc.cluster.local");
  }

  private static String hssCluster(MeshTranslation translation, String pod) throws Exception {
    ProxyResources resources =
        translation.forProxy(
            Nodes.forWorkload(translation.mesh(), new NamespacedName("telco", pod)));
    var listener = resources.listeners().byName().get("10.96.0.20_3868");
    return listener
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.class)
        .getCluster();
  }

  @Test
  void destinationSubnetsDecideOnTheListenersAddressAndBadOnesAreNamed() throws Exception {
    MeshState mesh =
        with(
            HSS_SUBSET
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: hss, namespace: telco}
                spec:
                  hosts: [hss]
                  tcp:
                  - match: [{port: 3868, destinationSubnets: [10.96.0.0/24]}]
                    route: [{destination: {host: hss, subset: primary}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ocs, namespace: telco}
                spec:
                  hosts: [ocs]
                  tcp:
                  - match: [{port: 3868, destinationSubnets: [10.96.0.0/33]}]
                    route: [{destination: {host: ocs}}]
                """);
    assertThat(mesh.problems())
        .anySatisfy(
            p -> {
              assertThat(p.name()).isEqualTo("ocs");
              assertThat(p.field()).isEqualTo("spec.tcp[0].match[0].destinationSubnets[0]");
            })
        .noneMatch(p -> p.name().equals("hss") && p.kind().equals("VirtualService"));
    assertThat(hssCluster(Translator.prepare(mesh), "amf-0"))
        .as("hss's VIP 10.96.0.20 lies in 10.96.0.0/24")
        .isEqualTo("outbound|3868|primary|hss.telco.svc.cluster.local");
  }
}
