package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.proto.v1.ProblemReport;
import io.telmesh.proto.v1.UntouchedPort;
import org.junit.jupiter.api.Test;

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
}
