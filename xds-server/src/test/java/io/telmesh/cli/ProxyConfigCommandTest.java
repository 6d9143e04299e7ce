package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.proto.v1.ProblemReport;
import io.telmesh.proto.v1.UntouchedPort;
import io.telmesh.testing.Meshes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code telmesh proxy-config} on the bundled demo: output that parses back into its protos. */
class ProxyConfigCommandTest {

  @Test
  void problemsAreTheProblemReportProtoWithEveryPodsUntouchedPorts() throws Exception {
    CliRun run = CliRun.of("proxy-config", "--problems");
    assertThat(run.exitCode()).as(run.err()).isZero();
    ProblemReport.Builder report = ProblemReport.newBuilder();
    EnvoyTypes.parser().merge(run.out(), report);
    assertThat(report.getUntouchedMap()).containsKey("telco/amf-0");
    assertThat(report.getUntouchedMap().get("telco/amf-0").getPortsList())
        .anySatisfy(
            p -> {
              assertThat(p.getPort()).isEqualTo(38412);
              assertThat(p.getProtocol()).isEqualTo("SCTP");
              assertThat(p.getReason()).contains("never proxied");
            })
        .extracting(UntouchedPort::getProtocol)
        .isSubsetOf("SCTP", "UDP");
  }

  @Test
  void typeSelectsOneKindOfTheDumpInEitherFormat() throws Exception {
    CliRun json = CliRun.of("proxy-config", "--pod", "telco/amf-0", "--type", "clusters");
    assertThat(json.exitCode()).as(json.err()).isZero();
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    EnvoyTypes.parser().merge(json.out(), dump);
    assertThat(dump.getConfigsList()).hasSize(1);
    assertThat(dump.getConfigs(0).is(ClustersConfigDump.class)).isTrue();

    CliRun yaml =
        CliRun.of("proxy-config", "--pod", "telco/amf-0", "--type", "routes", "-o", "yaml");
    assertThat(yaml.exitCode()).as(yaml.err()).isZero();
    assertThat(yaml.out())
        .contains("RoutesConfigDump")
        .doesNotContain("ClustersConfigDump")
        .doesNotContain("{");
  }

  @Test
  void istioListsTheObjectsThatShapeAPodsConfigAndTheirProblems(@TempDir Path dir)
      throws Exception {
    for (Path file : Files.list(Meshes.demoDir()).toList()) {
      Files.copy(file, dir.resolve(file.getFileName()));
    }
    Files.writeString(
        dir.resolve("50-istio.yaml"),
        """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: telco}
        spec:
          egress: [{hosts: ["./*", "partners/*"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: smf, namespace: telco}
        spec:
          workloadSelector: {labels: {app: smf}}
          egress: [{hosts: [./smf.telco.svc.cluster.local]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: hss, namespace: telco}
        spec:
          host: hss
          trafficPolicy: {connectionPool: {tcp: {maxConnections: 10}}}
        ---
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
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ghost, namespace: telco}
        spec:
          hosts: [nothing-here]
          http: [{route: [{destination: {host: nothing-here}}]}]
        """);
    CliRun amf =
        CliRun.of("proxy-config", "--manifests", dir.toString(), "--pod", "telco/amf-0", "--istio");
    assertThat(amf.exitCode()).as(amf.err()).isZero();
    JsonNode report = JsonMapper.builder().build().readTree(amf.out());
    assertThat(
            report
                .path("applied")
                .valueStream()
                .map(
                    a ->
                        a.path("kind").asString()
                            + " "
                            + a.path("namespace").asString()
                            + "/"
                            + a.path("name").asString())
                .toList())
        .containsExactly(
            "DestinationRule telco/hss", "ServiceEntry partners/dea", "Sidecar telco/default");
    assertThat(report.path("problems").valueStream().map(p -> p.path("name").asString()))
        .as("the VirtualService that applies to nothing")
        .contains("ghost");

    CliRun smf =
        CliRun.of("proxy-config", "--manifests", dir.toString(), "--pod", "telco/smf-0", "--istio");
    assertThat(
            JsonMapper.builder()
                .build()
                .readTree(smf.out())
                .path("applied")
                .valueStream()
                .map(a -> a.path("name").asString())
                .toList())
        .as("smf's own Sidecar imports smf only: hss's rule and the entry do not reach it")
        .containsExactly("smf");

    CliRun misuse = CliRun.of("proxy-config", "--problems", "--istio");
    assertThat(misuse.exitCode()).isEqualTo(2);
    assertThat(misuse.err()).contains("--istio needs --pod");
  }
}
