package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.SidecarIds;
import io.telmesh.testing.Meshes;
import io.telmesh.validate.ProtoConstraintValidator;
import org.junit.jupiter.api.Test;

class BootstrapCommandTest {

  @Test
  void printsAValidBootstrapForADemoPod() throws Exception {
    CliRun run =
        CliRun.of(
            "bootstrap",
            "--pod",
            "telco/amf-0",
            "--xds-address",
            "telmesh.telmesh-system.svc:15010");
    assertThat(run.exitCode()).as(run.err()).isZero();
    Bootstrap.Builder parsed = Bootstrap.newBuilder();
    EnvoyTypes.parser().merge(run.out(), parsed);
    Bootstrap bootstrap = parsed.build();
    assertThat(ProtoConstraintValidator.envoy().validate(bootstrap)).isEmpty();
    assertThat(bootstrap.getDynamicResources().getAdsConfig().getApiType().name())
        .isEqualTo("DELTA_GRPC");
    assertThat(bootstrap.getNode().getMetadata().getFieldsOrThrow("INSTANCE_IPS").getStringValue())
        .isEqualTo("10.244.1.10,192.168.50.10,192.168.60.10");
  }

  @Test
  void nodeIdIsTheOneProxyConfigTranslatesFor() throws Exception {
    MeshState mesh = Meshes.demo();
    for (Workload workload : mesh.workloads().values()) {
      CliRun run =
          CliRun.of(
              "bootstrap",
              "--pod",
              workload.key().toString(),
              "--xds-address",
              "10.96.0.10:15010",
              "--ads",
              "GRPC");
      assertThat(run.exitCode()).as(run.err()).isZero();
      Bootstrap.Builder parsed = Bootstrap.newBuilder();
      EnvoyTypes.parser().merge(run.out(), parsed);
      assertThat(parsed.getNode().getId()).isEqualTo(SidecarIds.id(workload));
      assertThat(parsed.getDynamicResources().getAdsConfig().getApiType().name()).isEqualTo("GRPC");
    }
  }

  @Test
  void yamlOutputIsOffered() {
    CliRun run =
        CliRun.of(
            "bootstrap", "--pod", "telco/smf-0", "--xds-address", "[fd00::10]:15010", "-o", "yaml");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("INTERCEPTION_MODE: \"TPROXY\"").contains("type: \"STATIC\"");
  }

  @Test
  void unknownPodIsAOneLineError() {
    CliRun run = CliRun.of("bootstrap", "--pod", "telco/nope", "--xds-address", "10.96.0.10:15010");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().strip())
        .startsWith("telmesh: error: pod telco/nope is not in the mesh (known pods: ")
        .doesNotContain("\n");
  }

  @Test
  void badAddressIsAOneLineError() {
    CliRun run = CliRun.of("bootstrap", "--pod", "telco/amf-0", "--xds-address", "fd00::10:15010");
    assertThat(run.exitCode()).as("a wrong command line").isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().strip())
        .isEqualTo(
            "telmesh: invalid xDS address 'fd00::10:15010': an IPv6 address "
                + "must be bracketed, e.g. [fd00::1]:15010 (expected HOST:PORT or [IPV6]:PORT)"
                + " (see 'telmesh bootstrap --help')");
  }

  @Test
  void proxylessPodsGetTheGrpcBootstrapIstiosAgentWrites() throws Exception {
    CliRun run =
        CliRun.of(
            "bootstrap",
            "--pod",
            "telco/smf-0",
            "--xds-address",
            "telmesh.telmesh-system.svc:15010",
            "--proxyless");
    assertThat(run.exitCode()).as(run.err()).isZero();
    tools.jackson.databind.JsonNode bootstrap =
        tools.jackson.databind.json.JsonMapper.builder().build().readTree(run.out());
    assertThat(bootstrap.at("/xds_servers/0/server_uri").asString())
        .isEqualTo("telmesh.telmesh-system.svc:15010");
    assertThat(bootstrap.at("/xds_servers/0/channel_creds/0/type").asString())
        .isEqualTo("insecure");
    assertThat(bootstrap.at("/node/id").asString())
        .isEqualTo("sidecar~10.244.1.11~smf-0.telco~telco.svc.cluster.local");
    assertThat(bootstrap.at("/node/metadata/GENERATOR").asString()).isEqualTo("grpc");
    assertThat(bootstrap.at("/node/metadata/NAMESPACE").asString()).isEqualTo("telco");
    assertThat(bootstrap.path("server_listener_resource_name_template").asString())
        .isEqualTo("xds.istio.io/grpc/lds/inbound/%s");
  }

  @Test
  void proxylessPodsCanUseTlsAndTheirTokenFile() throws Exception {
    CliRun run =
        CliRun.of(
            "bootstrap",
            "--pod",
            "telco/smf-0",
            "--xds-address",
            "telmesh.telmesh-system.svc:15012",
            "--xds-root-cert",
            "/etc/telmesh/ca.crt",
            "--xds-token",
            "/var/run/secrets/tokens/istio-token",
            "--proxyless");
    assertThat(run.exitCode()).as(run.err()).isZero();
    tools.jackson.databind.JsonNode server =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(run.out())
            .at("/xds_servers/0");
    assertThat(server.at("/channel_creds").size()).isEqualTo(1);
    assertThat(server.at("/channel_creds/0/type").asString()).isEqualTo("tls");
    assertThat(server.at("/channel_creds/0/config/ca_certificate_file").asString())
        .isEqualTo("/etc/telmesh/ca.crt");
    assertThat(server.at("/call_creds/0/type").asString()).isEqualTo("jwt_token_file");
    assertThat(server.at("/call_creds/0/config/jwt_token_file").asString())
        .isEqualTo("/var/run/secrets/tokens/istio-token");
  }

  @Test
  void aTokenWithoutTlsIsRefused() {
    CliRun run =
        CliRun.of(
            "bootstrap",
            "--pod",
            "telco/smf-0",
            "--xds-address",
            "telmesh.telmesh-system.svc:15010",
            "--xds-token",
            "/var/run/secrets/tokens/istio-token");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--xds-token needs --xds-root-cert");
  }

  @Test
  void missingAddressIsAUsageError() {
    CliRun run = CliRun.of("bootstrap", "--pod", "telco/amf-0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--xds-address");
  }
}
