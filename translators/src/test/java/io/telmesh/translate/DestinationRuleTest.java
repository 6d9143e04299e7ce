package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.telmesh.envoy.Clusters;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.EnvoyValidator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Istio's DestinationRule on the demo mesh, read from YAML as a manifest directory holds it: the
 * traffic policy lands in the Envoy fields istiod uses, bad fields are problems that leave the rest
 * applied, a Diameter port keeps its profile, and clusters the rule does not name stay
 * byte-identical.
 */
class DestinationRuleTest {

  private static final KubeObjects DEMO = Meshes.objects(Meshes.demoDir());
  private static final NamespacedName AMF_POD = new NamespacedName("telco", "amf-0");

  private static MeshState withRules(String yaml) {
    return Meshes.demoWith(yaml);
  }

  private static ProxyResources amf(MeshState mesh) {
    return Translator.prepare(mesh).forProxy(Nodes.forWorkload(mesh, AMF_POD));
  }

  private static Cluster cluster(ProxyResources resources, String name) {
    return resources.clusters().all().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no cluster " + name));
  }

  private static final String SMF = "outbound|8080||smf.telco.svc.cluster.local";
  private static final String OCS = "outbound|3868||ocs.telco.svc.cluster.local";
  private static final String DB = "outbound|9042||db.telco.svc.cluster.local";

  /** The mesh's DestinationRule problems, as "field: reason". */
  private static List<String> problems(MeshState mesh) {
    return mesh.problems().stream()
        .filter(p -> p.kind().equals("DestinationRule"))
        .map(p -> p.field() + ": " + p.reason())
        .toList();
  }

  @Test
  void aTrafficPolicyLandsInTheFieldsIstiodSets() throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf
              trafficPolicy:
                loadBalancer: {simple: ROUND_ROBIN}
                connectionPool:
                  tcp: {maxConnections: 100, connectTimeout: 250ms}
                  http: {http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 5, maxRetries: 3, idleTimeout: 30s}
                outlierDetection:
                  consecutive5xxErrors: 7
                  interval: 5s
                  baseEjectionTime: 30s
                  maxEjectionPercent: 50
            """);
    assertThat(mesh.problems()).noneMatch(p -> p.kind().equals("DestinationRule"));
    ProxyResources resources = amf(mesh);
    Cluster smf = cluster(resources, SMF);
    assertThat(smf.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(smf.getConnectTimeout().getNanos()).isEqualTo(250_000_000);
    var thresholds = smf.getCircuitBreakers().getThresholds(0);
    assertThat(thresholds.getMaxConnections().getValue()).isEqualTo(100);
    assertThat(thresholds.getMaxPendingRequests().getValue()).isEqualTo(10);
    assertThat(thresholds.getMaxRequests().getValue()).isEqualTo(1000);
    assertThat(thresholds.getMaxRetries().getValue()).isEqualTo(3);
    HttpProtocolOptions options =
        smf.getTypedExtensionProtocolOptionsMap()
            .get(Clusters.HTTP_PROTOCOL_OPTIONS)
            .unpack(HttpProtocolOptions.class);
    // smf's port is h2c: the rule's settings join the h2 options, they do not replace them.
    assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(options.getCommonHttpProtocolOptions().getIdleTimeout().getSeconds()).isEqualTo(30);
    assertThat(options.getCommonHttpProtocolOptions().getMaxRequestsPerConnection().getValue())
        .isEqualTo(5);
    var outlier = smf.getOutlierDetection();
    assertThat(outlier.getConsecutive5Xx().getValue()).isEqualTo(7);
    assertThat(outlier.getEnforcingConsecutive5Xx().getValue()).isEqualTo(100);
    assertThat(outlier.getEnforcingSuccessRate().getValue()).isZero();
    assertThat(outlier.getInterval().getSeconds()).isEqualTo(5);
    assertThat(outlier.getBaseEjectionTime().getSeconds()).isEqualTo(30);
    assertThat(outlier.getMaxEjectionPercent().getValue()).isEqualTo(50);
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();

    // Clusters the rule does not name are the same bytes as without it.
    ProxyResources without = amf(MeshStateBuilder.build(DEMO));
    for (String other : List.of(OCS, DB, "outbound|8080||amf.telco.svc.cluster.local")) {
      assertThat(cluster(resources, other)).isEqualTo(cluster(without, other));
    }
  }

  @Test
  void badFieldsAreProblemsAndTheRestOfTheRuleApplies() {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1beta1
            kind: DestinationRule
            metadata: {name: db, namespace: telco}
            spec:
              host: db.telco.svc.cluster.local
              exportTo: [., "Not_A_Namespace"]
              trafficPolicy:
                loadBalancer: {simple: FASTEST}
                connectionPool:
                  tcp: {maxConnections: -1, connectTimeout: 0.5ms}
                  http: {maxRetries: "three"}
                outlierDetection: {maxEjectionPercent: 300, consecutiveGatewayErrors: 2}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ghost, namespace: telco}
            spec:
              host: ghost
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: wild, namespace: telco}
            spec:
              host: "*.telco.svc.cluster.local"
            """);
    List<String> reported =
        mesh.problems().stream()
            .filter(p -> p.kind().equals("DestinationRule"))
            .map(p -> p.namespace() + "/" + p.name() + " " + p.field() + ": " + p.reason())
            .toList();
    assertThat(reported)
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("telco/db spec.exportTo[1]: 'Not_A_Namespace' is not *, ., ~"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "telco/db spec.trafficPolicy.loadBalancer.simple: \"FASTEST\" is not"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "telco/db spec.trafficPolicy.connectionPool.tcp.maxConnections: must not be"
                            + " negative"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "telco/db spec.trafficPolicy.connectionPool.tcp.connectTimeout: must be at"
                            + " least 1ms"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "telco/db spec.trafficPolicy.connectionPool.http.maxRetries: is not a whole"
                            + " number"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith(
                        "telco/db spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be"
                            + " between 0 and 100"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .isEqualTo(
                        "telco/ghost spec.host: ghost.telco.svc.cluster.local is no Service of the"
                            + " mesh: the rule applies to nothing"))
        .anySatisfy(
            p ->
                assertThat(p)
                    .startsWith("telco/wild spec.host: wildcard hosts are not applied yet"));
    // What was valid still applies.
    Cluster db = cluster(amf(mesh), DB);
    assertThat(db.getOutlierDetection().getConsecutiveGatewayFailure().getValue()).isEqualTo(2);
    // The refused load balancer leaves the Service's own (db is headless: original destination).
    assertThat(db.getLbPolicy())
        .isEqualTo(cluster(amf(MeshStateBuilder.build(DEMO)), DB).getLbPolicy());
    // The refused limit leaves the default: unlimited (uint32 max, which Java reads as -1).
    assertThat(
            Integer.toUnsignedLong(
                db.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()))
        .isEqualTo(4294967295L);
    assertThat(EnvoyValidator.create().validate(amf(mesh))).isEmpty();
  }

  @Test
  void aDiameterPortKeepsItsProfileAndTheRuleSaysSo() throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: ocs, namespace: telco}
            spec:
              host: ocs
              trafficPolicy:
                connectionPool:
                  tcp: {maxConnections: 4, idleTimeout: 5m}
                outlierDetection: {consecutiveGatewayErrors: 3, interval: 10s}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: db, namespace: telco}
            spec:
              host: db
              trafficPolicy:
                connectionPool:
                  tcp: {idleTimeout: 5m}
            """);
    assertThat(mesh.problems())
        .filteredOn(p -> p.kind().equals("DestinationRule") && p.name().equals("ocs"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.field()).isEqualTo("spec.trafficPolicy.connectionPool.tcp.idleTimeout");
              assertThat(p.reason()).contains("not applied to Diameter port 3868");
            });
    ProxyResources resources = amf(mesh);
    Cluster ocs = cluster(resources, OCS);
    assertThat(ocs.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue())
        .isEqualTo(4);
    assertThat(ocs.getOutlierDetection().getConsecutiveGatewayFailure().getValue()).isEqualTo(3);
    assertThat(ocs.getUpstreamConnectionOptions().hasTcpKeepalive()).isTrue();
    assertThat(idleTimeoutOf(resources, OCS)).isEqualTo(0);
    assertThat(idleTimeoutOf(resources, DB)).isEqualTo(300);
  }

  @Test
  void subsetsGetTheirOwnClustersAndEndpointsWithTheirPolicyMergedGroupByGroup() throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf.telco.svc.cluster.local
              trafficPolicy:
                connectionPool:
                  tcp: {maxConnections: 100}
                  http: {http2MaxRequests: 500}
                outlierDetection: {consecutive5xxErrors: 4}
              subsets:
              - name: all
                labels: {app: smf}
                trafficPolicy:
                  connectionPool:
                    tcp: {maxConnections: 7}
              - name: canary
                labels: {app: smf, track: canary}
              - name: Bad_Name
                labels: {app: smf}
              - name: all
                labels: {app: other}
              - name: broken
                labels: {"app/": "x y"}
            """);
    assertThat(problems(mesh))
        .containsExactlyInAnyOrder(
            "spec.subsets[2].name: \"Bad_Name\" is not a DNS-1123 label: subset left out",
            "spec.subsets[3].name: subset all is defined twice: the first is used",
            "spec.subsets[4].labels: \"app/\" is not a valid label selector: subset left out");
    ProxyResources resources = amf(mesh);
    Cluster all = cluster(resources, "outbound|8080|all|smf.telco.svc.cluster.local");
    assertThat(all.getEdsClusterConfig().getServiceName()).isEqualTo(all.getName());
    var thresholds = all.getCircuitBreakers().getThresholds(0);
    assertThat(thresholds.getMaxConnections().getValue()).isEqualTo(7);
    // The subset set connectionPool, so the rule's whole pool (http included) gave way to it...
    assertThat(Integer.toUnsignedLong(thresholds.getMaxRequests().getValue()))
        .isEqualTo(4294967295L);
    // ...while the rule's outlier detection, which the subset left alone, still applies.
    assertThat(all.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(4);
    Cluster canary = cluster(resources, "outbound|8080|canary|smf.telco.svc.cluster.local");
    assertThat(canary.getCircuitBreakers().getThresholds(0).getMaxRequests().getValue())
        .isEqualTo(500);

    var endpoints = resources.endpoints().byName();
    var smfEndpoints = endpoints.get(SMF);
    assertThat(endpoints.get(all.getName()).getEndpointsList())
        .isEqualTo(smfEndpoints.getEndpointsList());
    assertThat(endpoints.get(canary.getName()).getEndpointsCount()).isZero();
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void portLevelSettingsOverrideTheRuleForTheirPortAndSubsetsMergeOverThem() {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: oam, namespace: telco}
            spec:
              host: oam
              trafficPolicy:
                connectionPool: {tcp: {maxConnections: 10}}
                outlierDetection: {consecutiveGatewayErrors: 9}
                portLevelSettings:
                - port: {number: 9000}
                  connectionPool: {tcp: {maxConnections: 3}}
                - connectionPool: {tcp: {maxConnections: 1}}
                - port: {number: 9000}
                  loadBalancer: {simple: RANDOM}
              subsets:
              - name: v1
                labels: {app: oam}
                trafficPolicy:
                  outlierDetection: {consecutiveGatewayErrors: 2}
                  portLevelSettings:
                  - port: {number: 8443}
                    loadBalancer: {simple: ROUND_ROBIN}
            """);
    assertThat(problems(mesh))
        .containsExactlyInAnyOrder(
            "spec.trafficPolicy.portLevelSettings[1].port.number: a port number 1-65535 is"
                + " required: entry left out",
            "spec.trafficPolicy.portLevelSettings[2].port.number: port 9000 is set twice: the first"
                + " is used");
    ProxyResources resources = amf(mesh);
    String legacy = "outbound|9000||oam.telco.svc.cluster.local";
    String https = "outbound|8443||oam.telco.svc.cluster.local";
    assertThat(maxConnections(cluster(resources, legacy))).isEqualTo(3);
    assertThat(maxConnections(cluster(resources, https))).isEqualTo(10);
    // The port's connection pool replaced the rule's; its outlier detection did not.
    assertThat(
            cluster(resources, legacy)
                .getOutlierDetection()
                .getConsecutiveGatewayFailure()
                .getValue())
        .isEqualTo(9);

    // Subset v1: the rule for the port (9000: 3 connections), then the subset's outlier
    // detection, then the subset's own port-level load balancer (8443 only).
    Cluster v1Legacy = cluster(resources, "outbound|9000|v1|oam.telco.svc.cluster.local");
    Cluster v1Https = cluster(resources, "outbound|8443|v1|oam.telco.svc.cluster.local");
    assertThat(maxConnections(v1Legacy)).isEqualTo(3);
    assertThat(maxConnections(v1Https)).isEqualTo(10);
    assertThat(v1Legacy.getOutlierDetection().getConsecutiveGatewayFailure().getValue())
        .isEqualTo(2);
    assertThat(v1Https.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(v1Legacy.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void consistentHashMakesAHashingClusterAndTheRoutesToItSayWhatToHash() throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf
              trafficPolicy:
                loadBalancer:
                  consistentHash:
                    httpCookie:
                      name: session
                      path: /
                      ttl: 60s
                      attributes: [{name: SameSite, value: Strict}]
                    maglev: {tableSize: 65537}
              subsets:
              - name: v1
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer:
                    consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 2048}}
              - name: v2
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {simple: RANDOM}
              - name: v3
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: {httpHeaderName: ":authority"}}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: amf, namespace: telco}
            spec:
              host: amf
              trafficPolicy:
                loadBalancer:
                  consistentHash: {httpQueryParameterName: imsi, minimumRingSize: 4096}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: smf, namespace: telco}
            spec:
              hosts: [smf]
              http:
              - match: [{uri: {prefix: /v1}}]
                route:
                - {destination: {host: smf, subset: v1}, weight: 50}
                - {destination: {host: smf, subset: v2}, weight: 50}
              - route: [{destination: {host: smf}}]
            """);
    assertThat(mesh.problems()).noneMatch(p -> p.kind().equals("DestinationRule"));
    ProxyResources resources = amf(mesh);
    Cluster smf = cluster(resources, SMF);
    assertThat(smf.getLbPolicy()).isEqualTo(Cluster.LbPolicy.MAGLEV);
    assertThat(smf.getMaglevLbConfig().getTableSize().getValue()).isEqualTo(65537);
    Cluster v1 = cluster(resources, "outbound|8080|v1|smf.telco.svc.cluster.local");
    assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(v1.getRingHashLbConfig().getMinimumRingSize().getValue()).isEqualTo(2048);
    // v2 chose a simple balancer: Istio's merge replaces the whole loadBalancer group.
    Cluster v2 = cluster(resources, "outbound|8080|v2|smf.telco.svc.cluster.local");
    assertThat(v2.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM);
    assertThat(v2.hasMaglevLbConfig()).isFalse();
    // A pseudo-header is a header to hash on too; no algorithm: istiod's ring of 1024.
    Cluster v3 = cluster(resources, "outbound|8080|v3|smf.telco.svc.cluster.local");
    assertThat(v3.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(v3.getRingHashLbConfig().getMinimumRingSize().getValue()).isEqualTo(1024);
    // The deprecated minimumRingSize, without an algorithm: istiod's ring of that size.
    Cluster amfCluster = cluster(resources, "outbound|8080||amf.telco.svc.cluster.local");
    assertThat(amfCluster.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(amfCluster.getRingHashLbConfig().getMinimumRingSize().getValue()).isEqualTo(4096);

    var routes = resources.routes().byName().get("8080");
    List<Route> smfRoutes = virtualHost(routes, "smf.telco.svc.cluster.local:8080");
    // The split hashes as its hashing destination does (v1's header); v2 adds nothing.
    assertThat(smfRoutes.get(0).getRoute().getHashPolicyList())
        .singleElement()
        .satisfies(h -> assertThat(h.getHeader().getHeaderName()).isEqualTo("x-user"));
    RouteAction.HashPolicy.Cookie cookie = smfRoutes.get(1).getRoute().getHashPolicy(0).getCookie();
    assertThat(cookie.getName()).isEqualTo("session");
    assertThat(cookie.getPath()).isEqualTo("/");
    assertThat(cookie.getTtl().getSeconds()).isEqualTo(60);
    assertThat(cookie.getAttributes(0).getName()).isEqualTo("SameSite");
    assertThat(cookie.getAttributes(0).getValue()).isEqualTo("Strict");
    // No VirtualService: the default route hashes as the Service's policy says.
    assertThat(
            virtualHost(routes, "amf.telco.svc.cluster.local:8080")
                .get(0)
                .getRoute()
                .getHashPolicy(0)
                .getQueryParameter()
                .getName())
        .isEqualTo("imsi");
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void aTcpPortHashesOnTheSourceIpOnlyAndSaysSoForOtherKeys() throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: oam, namespace: telco}
            spec:
              host: oam
              trafficPolicy:
                loadBalancer:
                  consistentHash: {useSourceIp: true}
                portLevelSettings:
                - port: {number: 9000}
                  loadBalancer:
                    consistentHash: {httpHeaderName: x-user}
              subsets:
              - name: v1
                labels: {app: oam}
                trafficPolicy:
                  loadBalancer:
                    consistentHash: {httpCookie: {name: c}}
            """);
    assertThat(problems(mesh))
        .containsExactly(
            "spec.trafficPolicy.loadBalancer.consistentHash: hashes on HTTP requests, which TCP"
                + " port 8443 of oam.telco.svc.cluster.local (subset v1) does not have: only"
                + " useSourceIp applies to TCP, its connections hash on nothing");
    ProxyResources resources = amf(mesh);
    String https = "outbound|8443||oam.telco.svc.cluster.local";
    assertThat(cluster(resources, https).getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(tcpProxyTo(resources, https).getHashPolicy(0).hasSourceIp()).isTrue();
    // The sniffed port's TCP fallback has no header to hash; its HTTP chain's route does.
    String legacy = "outbound|9000||oam.telco.svc.cluster.local";
    assertThat(tcpProxyTo(resources, legacy).getHashPolicyList()).isEmpty();
    assertThat(
            virtualHost(resources.routes().byName().get("9000"), "oam.telco.svc.cluster.local:9000")
                .get(0)
                .getRoute()
                .getHashPolicy(0)
                .getHeader()
                .getHeaderName())
        .isEqualTo("x-user");
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void aBadConsistentHashIsAProblemAndTheClusterKeepsItsBalancer() throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf
              trafficPolicy:
                loadBalancer:
                  consistentHash: {httpHeaderName: x-a, useSourceIp: true}
                connectionPool: {tcp: {maxConnections: 5}}
                portLevelSettings:
                - port: {number: 8080}
                  loadBalancer:
                    consistentHash: {httpCookie: {ttl: 10s}}
              subsets:
              - name: a
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: {useSourceIp: "yes"}}
              - name: b
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: {maglev: {tableSize: 65536}}}
              - name: c
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: {maglev: {tableSize: 0}, ringHash: {}}}
              - name: d
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: {ringHash: {minimumRingSize: 99999999999}}}
              - name: e
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}
              - name: f
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: {httpHeaderName: "bad header\\r\\n"}}
              - name: g
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer:
                    consistentHash:
                      httpCookie: {name: c, attributes: [{name: x}, {name: x}]}
              - name: h
                labels: {app: smf}
                trafficPolicy:
                  loadBalancer: {consistentHash: [ring]}
                  tls: tight
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: db, namespace: telco}
            spec:
              host: db
              trafficPolicy:
                loadBalancer: {consistentHash: {useSourceIp: true}}
            """);
    String at = "spec.trafficPolicy.loadBalancer.consistentHash";
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.kind().equals("DestinationRule"))
                .map(p -> p.name() + " " + p.field() + ": " + p.reason()))
        .containsExactlyInAnyOrder(
            "smf "
                + at
                + ": sets httpHeaderName and useSourceIp: Istio allows one hash key, left out",
            "smf spec.trafficPolicy.portLevelSettings[0].loadBalancer.consistentHash.httpCookie"
                + ".name: a cookie name is required: consistentHash left out",
            "smf spec.subsets[0].trafficPolicy.loadBalancer.consistentHash.useSourceIp: is not"
                + " true or false: consistentHash left out",
            "smf spec.subsets[1].trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: must"
                + " be a prime number below 5000011 (Istio's rule): consistentHash left out",
            "smf spec.subsets[2].trafficPolicy.loadBalancer.consistentHash: only one of ringHash,"
                + " maglev and minimumRingSize may be set (Istio's rule): consistentHash left out",
            "smf spec.subsets[3].trafficPolicy.loadBalancer.consistentHash.ringHash"
                + ".minimumRingSize: must be a whole number up to 8388608 (Envoy's bound):"
                + " consistentHash left out",
            "smf spec.subsets[4].trafficPolicy.loadBalancer: sets both simple and consistentHash,"
                + " one of which Istio allows: both left out",
            "smf spec.subsets[5].trafficPolicy.loadBalancer.consistentHash.httpHeaderName: is not"
                + " a header name: consistentHash left out",
            "smf spec.subsets[6].trafficPolicy.loadBalancer.consistentHash.httpCookie"
                + ".attributes[1]: needs a name, once each, and a text value (Istio's rule):"
                + " consistentHash left out",
            "smf spec.subsets[7].trafficPolicy.loadBalancer.consistentHash: is not an object: left"
                + " out",
            "smf spec.subsets[7].trafficPolicy.tls: is not an object: left out",
            "db spec.trafficPolicy.loadBalancer: not applied to headless Service"
                + " db.telco.svc.cluster.local: clients dial the pods' own addresses (original"
                + " destination), as with istiod");
    ProxyResources resources = amf(mesh);
    for (String name :
        List.of(
            SMF,
            "outbound|8080|a|smf.telco.svc.cluster.local",
            "outbound|8080|e|smf.telco.svc.cluster.local")) {
      Cluster cluster = cluster(resources, name);
      assertThat(cluster.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
      assertThat(cluster.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue())
          .isEqualTo(5);
    }
    // The headless Service's connections go to the address the client dialled: no hash there.
    assertThat(tcpProxyTo(resources, DB).getHashPolicyList()).isEmpty();
    assertThat(cluster(resources, DB).getLbPolicy())
        .isEqualTo(cluster(amf(MeshStateBuilder.build(DEMO)), DB).getLbPolicy());
    assertThat(
            virtualHost(resources.routes().byName().get("8080"), "smf.telco.svc.cluster.local:8080")
                .get(0)
                .getRoute()
                .getHashPolicyList())
        .isEmpty();
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void aHeadlessServiceKeepsOriginalDestinationAndSaysSoUnlessAskedForPassthrough() {
    String rule =
        """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: db, namespace: telco}
        spec:
          host: db
          trafficPolicy:
            loadBalancer: {simple: %s}
        """;
    MeshState passthrough = withRules(rule.formatted("PASSTHROUGH"));
    assertThat(passthrough.problems()).noneMatch(p -> p.kind().equals("DestinationRule"));
    MeshState roundRobin = withRules(rule.formatted("ROUND_ROBIN"));
    assertThat(roundRobin.problems())
        .filteredOn(p -> p.kind().equals("DestinationRule"))
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).startsWith("not applied to headless Service"));
    Cluster original = cluster(amf(MeshStateBuilder.build(DEMO)), DB);
    for (MeshState mesh : List.of(passthrough, roundRobin)) {
      Cluster db = cluster(amf(mesh), DB);
      assertThat(db.getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
      assertThat(db.getLbPolicy()).isEqualTo(original.getLbPolicy());
      assertThat(EnvoyValidator.create().validate(amf(mesh))).isEmpty();
    }
  }

  @Test
  void istioMutualTakesTheWorkloadCertificateFromTheAgentAndChecksTheServersIdentity()
      throws Exception {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf
              trafficPolicy:
                tls: {mode: ISTIO_MUTUAL}
              subsets:
              - name: v1
                labels: {app: smf}
              - name: plain
                labels: {app: smf}
                trafficPolicy:
                  tls: {mode: DISABLE}
              - name: pinned
                labels: {app: smf}
                trafficPolicy:
                  tls:
                    mode: ISTIO_MUTUAL
                    sni: smf.internal
                    subjectAltNames: [spiffe://cluster.local/ns/telco/sa/smf]
            """);
    assertThat(mesh.problems()).noneMatch(p -> p.kind().equals("DestinationRule"));
    ProxyResources resources = amf(mesh);

    UpstreamTlsContext tls = upstreamTls(cluster(resources, SMF));
    assertThat(tls.getSni()).isEqualTo("outbound_.8080_._.smf.telco.svc.cluster.local");
    CommonTlsContext common = tls.getCommonTlsContext();
    assertThat(common.getTlsCertificateSdsSecretConfigsList())
        .singleElement()
        .satisfies(
            sds -> {
              assertThat(sds.getName()).isEqualTo("default");
              assertThat(
                      sds.getSdsConfig()
                          .getApiConfigSource()
                          .getGrpcServices(0)
                          .getEnvoyGrpc()
                          .getClusterName())
                  .isEqualTo("sds-grpc");
            });
    var validation = common.getCombinedValidationContext();
    assertThat(validation.getValidationContextSdsSecretConfig().getName()).isEqualTo("ROOTCA");
    // smf-0 runs as the namespace's default service account.
    assertThat(validation.getDefaultValidationContext().getMatchTypedSubjectAltNamesList())
        .extracting(m -> m.getSanType() + " " + m.getMatcher().getExact())
        .containsExactly("URI spiffe://cluster.local/ns/telco/sa/default");
    // An HTTP/2 port offers h2 inside the mesh's ALPN.
    assertThat(common.getAlpnProtocolsList()).containsExactly("istio", "h2");

    assertThat(
            upstreamTls(cluster(resources, "outbound|8080|v1|smf.telco.svc.cluster.local"))
                .getSni())
        .isEqualTo("outbound_.8080_.v1_.smf.telco.svc.cluster.local");
    assertThat(
            cluster(resources, "outbound|8080|plain|smf.telco.svc.cluster.local")
                .hasTransportSocket())
        .isFalse();
    UpstreamTlsContext pinned =
        upstreamTls(cluster(resources, "outbound|8080|pinned|smf.telco.svc.cluster.local"));
    assertThat(pinned.getSni()).isEqualTo("smf.internal");
    assertThat(
            pinned
                .getCommonTlsContext()
                .getCombinedValidationContext()
                .getDefaultValidationContext()
                .getMatchTypedSubjectAltNamesList())
        .extracting(m -> m.getMatcher().getExact())
        .containsExactly("spiffe://cluster.local/ns/telco/sa/smf");
    // Clusters the rule does not name are untouched.
    assertThat(cluster(resources, OCS).hasTransportSocket()).isFalse();
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  @Test
  void theServersSidecarAcceptsMutualTlsBesidePlaintextWhereARuleAsksClientsForIt()
      throws Exception {
    String rule =
        """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: smf, namespace: telco}
        spec:
          host: smf
          trafficPolicy:
            portLevelSettings:
            - port: {number: 8080}
              tls: {mode: ISTIO_MUTUAL}
        """;
    MeshState without = Meshes.demo();
    MeshState with = withRules(rule);
    NamespacedName smfPod = new NamespacedName("telco", "smf-0");
    Listener before = inbound(without, smfPod);
    Listener after = inbound(with, smfPod);

    List<FilterChain> tlsChains =
        after.getFilterChainsList().stream()
            .filter(c -> c.getFilterChainMatch().getTransportProtocol().equals("tls"))
            .filter(c -> !c.getFilterChainMatch().getApplicationProtocolsList().isEmpty())
            .toList();
    // The application's own TLS, now told apart from plaintext, is passed through untouched.
    List<FilterChain> ownTls =
        after.getFilterChainsList().stream()
            .filter(c -> c.getFilterChainMatch().getTransportProtocol().equals("tls"))
            .filter(c -> c.getFilterChainMatch().getApplicationProtocolsList().isEmpty())
            .toList();
    // One per chain the port has: the unpinned one and one per captured interface.
    long plainChainsOf8080 =
        before.getFilterChainsList().stream()
            .filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == 8080)
            .count();
    assertThat(tlsChains).hasSize((int) plainChainsOf8080).isNotEmpty();
    assertThat(ownTls).hasSize((int) plainChainsOf8080);
    for (FilterChain chain : ownTls) {
      assertThat(chain.hasTransportSocket()).isFalse();
      assertThat(chain.getFilters(0).getName()).isEqualTo("envoy.filters.network.tcp_proxy");
    }
    for (FilterChain chain : tlsChains) {
      assertThat(chain.getFilterChainMatch().getDestinationPort().getValue()).isEqualTo(8080);
      assertThat(chain.getFilterChainMatch().getApplicationProtocolsList()).contains("istio");
      DownstreamTlsContext tls =
          chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
      assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
      assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
          .isEqualTo("default");
      assertThat(
              tls.getCommonTlsContext()
                  .getCombinedValidationContext()
                  .getValidationContextSdsSecretConfig()
                  .getName())
          .isEqualTo("ROOTCA");
    }
    // PERMISSIVE: every plaintext chain is still there, byte for byte.
    assertThat(after.getFilterChainsList()).containsAll(before.getFilterChainsList());
    assertThat(after.getListenerFiltersList())
        .extracting(f -> f.getName())
        .contains("envoy.filters.listener.tls_inspector");
    assertThat(before.getListenerFiltersList())
        .extracting(f -> f.getName())
        .doesNotContain("envoy.filters.listener.tls_inspector");
    // A pod no rule concerns keeps its inbound listener byte-identical.
    assertThat(inbound(with, AMF_POD)).isEqualTo(inbound(without, AMF_POD));
    assertThat(
            EnvoyValidator.create()
                .validate(Translator.prepare(with).forProxy(Nodes.forWorkload(with, smfPod))))
        .isEmpty();
  }

  @Test
  void tlsModesTelmeshCannotServeAreProblemsAndTheRulesModeStillApplies() {
    MeshState mesh =
        withRules(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf
              trafficPolicy:
                tls: {mode: ISTIO_MUTUAL}
                connectionPool: {tcp: {maxConnections: 5}}
                portLevelSettings:
                - port: {number: 8080}
                  tls: {mode: SIMPLE, sni: smf.example}
              subsets:
              - name: v1
                labels: {app: smf}
                trafficPolicy:
                  tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}
              - name: v2
                labels: {app: smf}
                trafficPolicy:
                  tls: {mode: DISABLE}
              - name: v3
                labels: {app: smf}
                trafficPolicy:
                  tls: {mode: PERMISSIVE}
              - name: v4
                labels: {app: smf}
                trafficPolicy:
                  tls: {mode: ISTIO_MUTUAL, credentialName: smf-cert, sni: "bad name"}
            """);
    assertThat(problems(mesh))
        .containsExactlyInAnyOrder(
            "spec.trafficPolicy.portLevelSettings[0].tls.mode: tls mode SIMPLE is not applied: it"
                + " needs certificate files or a credentialName Secret, which telmesh does not"
                + " serve; traffic stays plaintext (ISTIO_MUTUAL is applied)",
            "spec.subsets[0].trafficPolicy.tls.mode: tls mode MUTUAL is not applied: it needs"
                + " certificate files or a credentialName Secret, which telmesh does not serve;"
                + " traffic stays plaintext (ISTIO_MUTUAL is applied)",
            "spec.subsets[2].trafficPolicy.tls.mode: \"PERMISSIVE\" is not DISABLE, SIMPLE, MUTUAL"
                + " or ISTIO_MUTUAL: left out",
            "spec.subsets[3].trafficPolicy.tls.credentialName: cannot be set with ISTIO_MUTUAL,"
                + " whose certificates are the mesh's: tls left out",
            "spec.subsets[3].trafficPolicy.tls.sni: \"bad name\" is not a server name of 1-255"
                + " printable characters: tls left out");
    ProxyResources resources = amf(mesh);
    // A refused tls is as if unwritten: the rule's ISTIO_MUTUAL applies beneath it.
    assertThat(cluster(resources, SMF).hasTransportSocket()).isTrue();
    assertThat(cluster(resources, SMF).getCircuitBreakers().getThresholds(0).getMaxConnections())
        .isEqualTo(com.google.protobuf.UInt32Value.of(5));
    for (String subset : List.of("v1", "v3", "v4")) {
      assertThat(
              cluster(resources, "outbound|8080|" + subset + "|smf.telco.svc.cluster.local")
                  .hasTransportSocket())
          .as(subset)
          .isTrue();
    }
    assertThat(
            cluster(resources, "outbound|8080|v2|smf.telco.svc.cluster.local").hasTransportSocket())
        .isFalse();
    assertThat(EnvoyValidator.create().validate(resources)).isEmpty();
  }

  private static UpstreamTlsContext upstreamTls(Cluster cluster) throws Exception {
    assertThat(cluster.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
    return cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
  }

  private static Listener inbound(MeshState mesh, NamespacedName pod) {
    return Translator.prepare(mesh)
        .forProxy(Nodes.forWorkload(mesh, pod))
        .listeners()
        .all()
        .stream()
        .filter(l -> l.getName().equals("virtualInbound"))
        .findFirst()
        .orElseThrow();
  }

  private static List<Route> virtualHost(RouteConfiguration routes, String name) {
    return routes.getVirtualHostsList().stream()
        .filter(h -> h.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no virtual host " + name))
        .getRoutesList();
  }

  /** The outbound tcp_proxy whose stats are under this cluster's name. */
  private static TcpProxy tcpProxyTo(ProxyResources resources, String cluster) throws Exception {
    for (Listener listener : resources.listeners().all()) {
      for (var chain : listener.getFilterChainsList()) {
        for (var filter : chain.getFiltersList()) {
          if (filter.getTypedConfig().is(TcpProxy.class)) {
            TcpProxy tcp = filter.getTypedConfig().unpack(TcpProxy.class);
            if (tcp.getStatPrefix().equals(cluster)) {
              return tcp;
            }
          }
        }
      }
    }
    throw new AssertionError("no tcp_proxy for " + cluster);
  }

  private static long maxConnections(Cluster cluster) {
    return Integer.toUnsignedLong(
        cluster.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue());
  }

  /** The idle timeout, in seconds, of the outbound tcp_proxy to this cluster. */
  private static long idleTimeoutOf(ProxyResources resources, String cluster) throws Exception {
    for (Listener listener : resources.listeners().all()) {
      for (var chain : listener.getFilterChainsList()) {
        for (var filter : chain.getFiltersList()) {
          if (filter.getTypedConfig().is(TcpProxy.class)) {
            TcpProxy tcp = filter.getTypedConfig().unpack(TcpProxy.class);
            if (tcp.getCluster().equals(cluster)) {
              return tcp.getIdleTimeout().getSeconds();
            }
          }
        }
      }
    }
    throw new AssertionError("no tcp_proxy to " + cluster);
  }
}
