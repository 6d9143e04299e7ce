package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.EnvoyValidator;
import org.junit.jupiter.api.Test;

/**
 * Istio's {@code exportTo} on DestinationRules, VirtualServices and ServiceEntries: a client in a
 * namespace the object is not exported to is served as if it did not exist; one that is gets it.
 * The demo (namespace telco) plus a client pod in namespace {@code oam}.
 */
class ExportToTest {

  private static final String OAM_CLIENT =
      """
      apiVersion: v1
      kind: Pod
      metadata: {name: probe-0, namespace: oam, labels: {app: probe}}
      spec:
        containers: [{name: probe, image: probe}]
      status:
        phase: Running
        podIP: 10.244.9.9
        podIPs: [{ip: 10.244.9.9}]
        conditions: [{type: Ready, status: "True"}]
      ---
      """;
  private static final String HSS = "outbound|3868||hss.telco.svc.cluster.local";
  private static final String SMF = "smf.telco.svc.cluster.local";

  private static ProxyResources proxy(MeshTranslation translation, String namespace, String pod) {
    return translation.forProxy(
        Nodes.forWorkload(translation.mesh(), new NamespacedName(namespace, pod)));
  }

  private static int maxConnections(ProxyResources resources) {
    Cluster hss = resources.clusters().byName().get(HSS);
    return hss.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue();
  }

  @Test
  void aServicesExportToAnnotationHidesItFromOtherNamespacesSidecars() {
    MeshState mesh =
        Meshes.demoWith(
            OAM_CLIENT
                + """
                apiVersion: v1
                kind: Service
                metadata:
                  name: hss-internal
                  namespace: telco
                  annotations: {networking.istio.io/exportTo: "."}
                spec:
                  clusterIP: 10.96.50.1
                  selector: {app: hss}
                  ports: [{name: tcp-hss, port: 9100}]
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: hss-oam
                  namespace: telco
                  annotations: {networking.istio.io/exportTo: " oam , Bad_Name "}
                spec:
                  clusterIP: 10.96.50.2
                  selector: {app: hss}
                  ports: [{name: tcp-hss, port: 9101}]
                """);
    MeshTranslation translation = Translator.prepare(mesh);
    ProxyResources amf = proxy(translation, "telco", "amf-0");
    ProxyResources probe = proxy(translation, "oam", "probe-0");
    String internal = "outbound|9100||hss-internal.telco.svc.cluster.local";
    String oam = "outbound|9101||hss-oam.telco.svc.cluster.local";
    assertThat(amf.clusters().byName()).containsKey(internal).doesNotContainKey(oam);
    assertThat(probe.clusters().byName()).containsKey(oam).doesNotContainKey(internal);
    // Services without the annotation stay visible everywhere.
    assertThat(probe.clusters().byName()).containsKey(HSS);
    assertThat(
            mesh.problems().stream()
                .filter(p -> p.name().equals("hss-oam"))
                .map(p -> p.field() + ": " + p.reason()))
        .containsExactly(
            "metadata.annotations[networking.istio.io/exportTo]: 'Bad_Name' is not *, ., ~ or a"
                + " namespace name, or is repeated: left out");
    assertThat(EnvoyValidator.create().validate(probe)).isEmpty();
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
  }

  @Test
  void aRuleExportedToItsOwnNamespaceAppliesThereOnly() {
    MeshState mesh =
        Meshes.demoWith(
            OAM_CLIENT
                + """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: hss, namespace: telco}
                spec:
                  host: hss
                  exportTo: ["."]
                  trafficPolicy: {connectionPool: {tcp: {maxConnections: 7}}}
                """);
    assertThat(mesh.workload(new NamespacedName("oam", "probe-0"))).isPresent();
    MeshTranslation translation = Translator.prepare(mesh);
    ProxyResources amf = proxy(translation, "telco", "amf-0");
    ProxyResources probe = proxy(translation, "oam", "probe-0");
    assertThat(maxConnections(amf)).isEqualTo(7);
    assertThat(maxConnections(probe)).as("Istio's unlimited default").isNotEqualTo(7);
    assertThat(EnvoyValidator.create().validate(probe)).isEmpty();
  }

  @Test
  void aVirtualServiceExportedElsewhereLeavesTheDefaultRoute() {
    MeshState mesh =
        Meshes.demoWith(
            OAM_CLIENT
                + """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: smf, namespace: telco}
                spec:
                  hosts: [smf]
                  exportTo: [oam]
                  http:
                  - match: [{uri: {prefix: /only}}]
                    route: [{destination: {host: smf}}]
                """);
    MeshTranslation translation = Translator.prepare(mesh);
    String amfRoute =
        proxy(translation, "telco", "amf-0")
            .routes()
            .byName()
            .get("8080")
            .getVirtualHostsList()
            .stream()
            .filter(h -> h.getName().equals(SMF + ":8080"))
            .findFirst()
            .orElseThrow()
            .getRoutes(0)
            .getName();
    assertThat(amfRoute).isEqualTo("default");
    assertThat(
            proxy(translation, "oam", "probe-0")
                .routes()
                .byName()
                .get("8080")
                .getVirtualHostsList()
                .stream()
                .filter(h -> h.getName().equals(SMF + ":8080"))
                .findFirst()
                .orElseThrow()
                .getRoutes(0)
                .getMatch()
                .getPrefix())
        .isEqualTo("/only");
  }

  @Test
  void anEntryExportedToNoOneIsServedToNoOneAndBadEntriesAreNamed() {
    MeshState mesh =
        Meshes.demoWith(
            OAM_CLIENT
                + """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: dea, namespace: partners}
                spec:
                  hosts: [dea.roaming-partner.example]
                  addresses: [192.0.2.10]
                  resolution: STATIC
                  exportTo: ["~"]
                  ports: [{number: 3868, name: diameter, protocol: TCP}]
                  endpoints: [{address: 198.51.100.1}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ocs, namespace: partners}
                spec:
                  hosts: [ocs.roaming-partner.example]
                  addresses: [192.0.2.11]
                  resolution: STATIC
                  exportTo: [oam, "Bad_NS", oam]
                  ports: [{number: 3868, name: diameter, protocol: TCP}]
                  endpoints: [{address: 198.51.100.2}]
                """);
    MeshTranslation translation = Translator.prepare(mesh);
    assertThat(proxy(translation, "telco", "amf-0").clusters().byName().keySet())
        .noneMatch(n -> n.contains("roaming-partner"));
    assertThat(proxy(translation, "oam", "probe-0").clusters().byName().keySet())
        .contains("outbound|3868||ocs.roaming-partner.example")
        .doesNotContain("outbound|3868||dea.roaming-partner.example");
    assertThat(mesh.problems())
        .anySatisfy(
            p -> {
              assertThat(p.name()).isEqualTo("ocs");
              assertThat(p.field()).isEqualTo("spec.exportTo[1]");
            })
        .anySatisfy(p -> assertThat(p.field()).isEqualTo("spec.exportTo[2]"));
  }
}
