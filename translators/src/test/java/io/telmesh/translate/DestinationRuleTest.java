package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
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
              exportTo: [.]
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
            p -> assertThat(p).startsWith("telco/db spec.exportTo: exportTo is not applied yet"))
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
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.kind().equals("DestinationRule"))
                .map(p -> p.field() + ": " + p.reason()))
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
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.kind().equals("DestinationRule"))
                .map(p -> p.field() + ": " + p.reason()))
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
