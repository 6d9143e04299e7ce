package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.telmesh.proto.v1.CapturePlan;
import io.telmesh.proto.v1.CaptureSource;
import io.telmesh.testing.Meshes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class IptablesCommandTest {

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = Main.commandLine();
    line.setOut(new PrintWriter(out));
    line.setErr(new PrintWriter(err));
    int code = line.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void flagsModePrintsIstiosRules() throws IOException {
    Run run =
        run(
            "iptables",
            "-p",
            "15001",
            "-z",
            "15006",
            "-e",
            "15008",
            "-u",
            "1337",
            "-g",
            "1337",
            "-t",
            "1337",
            "-r",
            "133",
            "-b",
            "32000,31000",
            "-m",
            "TPROXY");
    assertThat(run.exitCode()).isZero();
    String golden =
        Files.readString(
            Meshes.repoRoot()
                .resolve(
                    "translators/src/test/resources/istio-iptables-golden/inbound-ports-tproxy.golden"));
    List<String> rules = golden.lines().filter(l -> !l.endsWith("-save")).toList();
    assertThat(run.out().lines().filter(l -> !l.startsWith("#")).toList())
        .containsExactlyElementsOf(rules);
    assertThat(run.out())
        .endsWith(
            "COMMIT\n# ip -4 rule add fwmark 1337 lookup 133\n"
                + "# ip -4 route replace local default dev lo table 133\n");
  }

  @Test
  void podModePrintsThePodsRulesWithRouting() {
    Run run = run("iptables", "--pod", "telco/smf-0");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .startsWith("* mangle\n")
        .contains("-A OUTPUT -p tcp -j ISTIO_OUTPUT\n")
        .endsWith("# ip -4 route replace local default dev lo table 133\n");
  }

  @Test
  void family6PrintsTheIpv6Payload() {
    Run hss = run("iptables", "--pod", "telco/hss-0", "--family", "6");
    assertThat(hss.exitCode()).isZero();
    assertThat(hss.out())
        .contains("-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN")
        .endsWith("# ip -6 addr replace ::6/128 dev lo\n");
    Run amf = run("iptables", "--pod", "telco/amf-0", "--family", "6");
    assertThat(amf.exitCode()).isEqualTo(1);
    assertThat(amf.out()).isEmpty();
    assertThat(amf.err())
        .isEqualTo(
            "telmesh: error: pod telco/amf-0 has no IPv6 address: telmesh builds no IPv6 "
                + "rules for it\n");
    Run flags = run("iptables", "-b", "*", "--family", "6");
    assertThat(flags.out()).contains("-A ISTIO_OUTPUT -d ::1/128 -j RETURN");
  }

  @Test
  void jsonFormatPrintsThePlan() throws IOException {
    Run run = run("iptables", "--pod", "telco/amf-0", "--format", "json", "--drop-invalid");
    assertThat(run.exitCode()).isZero();
    CapturePlan.Builder plan = CapturePlan.newBuilder();
    JsonFormat.parser().merge(run.out(), plan);
    assertThat(plan.getPod()).isEqualTo("telco/amf-0");
    assertThat(plan.getSource()).isEqualTo(CaptureSource.CAPTURE_SOURCE_POD);
    assertThat(plan.getDropInvalid()).isTrue();
    assertThat(plan.getInterfacesList())
        .extracting(i -> i.getName())
        .containsExactly("eth0", "net1", "net2");
    assertThat(plan.getUntouchedPortsList())
        .anyMatch(u -> u.getPort() == 38412 && u.getProtocol().equals("SCTP"));
  }

  @Test
  void anInvalidFlagIsOneLineNamingItAndNoRules() {
    Run run = run("iptables", "-b", "*", "-c", "eth0 -j ACCEPT");
    assertThat(run.exitCode()).as("a wrong command line").isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .isEqualTo(
            "telmesh: flag -c (--istio-exclude-interfaces): 'eth0 -j ACCEPT' is not "
                + "an interface name ([A-Za-z0-9_.-]{1,15}) (see 'telmesh iptables --help')\n");
  }

  @Test
  void anInvalidCaptureAnnotationIsOneLineNamingItAndNoRules(@TempDir Path dir) throws IOException {
    Files.writeString(
        dir.resolve("pod.yaml"),
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: bad-0
          namespace: t
          annotations:
            telmesh.io/includeInterfaces: "net1 ! -d 10.0.0.1"
        spec:
          containers: [{name: a, image: a}]
        status:
          phase: Running
          podIP: 10.0.0.5
          podIPs: [{ip: 10.0.0.5}]
        """);
    Run run = run("iptables", "--manifests", dir.toString(), "--pod", "t/bad-0");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .startsWith("telmesh: error: pod t/bad-0: annotation telmesh.io/includeInterfaces: ")
        .containsOnlyOnce("\n");

    // One policy: the bootstrap of that pod is refused with the same line, and the server's
    // problem says both are.
    CliRun bootstrap =
        CliRun.of(
            "bootstrap",
            "--manifests",
            dir.toString(),
            "--pod",
            "t/bad-0",
            "--xds-address",
            "10.96.0.10:15010");
    assertThat(bootstrap.exitCode()).isEqualTo(1);
    assertThat(bootstrap.out()).isEmpty();
    assertThat(bootstrap.err()).isEqualTo(run.err());
    CliRun problems = CliRun.of("proxy-config", "--manifests", dir.toString(), "--problems");
    assertThat(problems.out())
        .contains("telmesh iptables and bootstrap refuse this pod until it is fixed");
  }

  @Test
  void podModeTakesNoOtherIstioFlags() {
    Run run = run("iptables", "--pod", "telco/amf-0", "-b", "8080", "--drop-invalid", "-i", "*");
    assertThat(run.exitCode()).as("a wrong command line").isEqualTo(2);
    assertThat(run.err()).contains("(got -b -i)");
    assertThat(run("iptables", "-b", "*", "--manifests", "/tmp").err())
        .contains("--manifests only applies with --pod");
    assertThat(run("iptables", "--pod", "telco/nope").err())
        .contains("pod telco/nope is not in the mesh");
  }
}
