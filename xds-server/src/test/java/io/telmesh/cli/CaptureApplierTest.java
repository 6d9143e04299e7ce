package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.capture.CapturePlan;
import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.capture.IpFamily;
import io.telmesh.capture.IstioFlags;
import io.telmesh.model.NamespacedName;
import io.telmesh.testing.Meshes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CaptureApplierTest {

  private static final CapturePlan TPROXY_DUAL =
      CapturePlanBuilder.fromConfig(
          IstioFlags.parse(List.of("-m", "TPROXY", "-b", "*", "-i", "*", "--ipv6")));

  /** Records what it is asked to run and answers from a script. */
  private static final class FakeRunner implements CommandRunner {
    final List<String> commands = new ArrayList<>();
    final List<String> inputs = new ArrayList<>();
    final Function<String, Result> answers;

    FakeRunner(Function<String, Result> answers) {
      this.answers = answers;
    }

    @Override
    public Result run(List<String> command, String stdin) throws IOException {
      String line = String.join(" ", command);
      commands.add(line);
      inputs.add(stdin);
      return answers.apply(line);
    }
  }

  private static CaptureApplier applier(CommandRunner runner) {
    return new CaptureApplier(runner, new PrintWriter(new StringWriter()));
  }

  @Test
  void restoresBothFamiliesLikeIstioThenRoutes() {
    FakeRunner runner = new FakeRunner(line -> new CommandRunner.Result(0, "", ""));
    applier(runner).apply(TPROXY_DUAL);
    assertThat(runner.commands)
        .containsExactly(
            "iptables-save",
            "ip6tables-save",
            "iptables-restore --noflush",
            "ip6tables-restore --noflush",
            "ip -6 addr replace ::6/128 dev lo",
            "ip -4 rule add fwmark 1337 lookup 133",
            "ip -6 rule add fwmark 1337 lookup 133",
            "ip -4 route replace local default dev lo table 133",
            "ip -6 route replace local default dev lo table 133");
    assertThat(runner.inputs.get(2)).isEqualTo(TPROXY_DUAL.rules().restorePayload(IpFamily.V4));
    assertThat(runner.inputs.get(3)).isEqualTo(TPROXY_DUAL.rules().restorePayload(IpFamily.V6));
  }

  @Test
  void stopsAtTheFirstFailureWithItsMessage() {
    FakeRunner runner =
        new FakeRunner(
            line ->
                line.startsWith("ip6tables-restore")
                    ? new CommandRunner.Result(
                        2, "", "ip6tables-restore v1.8.9 (nf_tables): line 5 failed\nmore\n")
                    : new CommandRunner.Result(0, "", ""));
    assertThatThrownBy(() -> applier(runner).apply(TPROXY_DUAL))
        .isInstanceOf(UserError.class)
        .hasMessage(
            "ip6tables-restore --noflush failed (exit 2): ip6tables-restore v1.8.9 (nf_tables): line 5 failed");
    assertThat(runner.commands).hasSize(4);
  }

  @Test
  void refusesANamespaceThatAlreadyHasIstioChains() {
    FakeRunner runner =
        new FakeRunner(
            line ->
                line.equals("ip6tables-save")
                    ? new CommandRunner.Result(
                        0,
                        "*nat\n:PREROUTING ACCEPT [0:0]\n:ISTIO_INBOUND - [0:0]\n:ISTIO_OUTPUT - [0:0]\n"
                            + "-A ISTIO_OUTPUT -j RETURN\nCOMMIT\n",
                        "")
                    : new CommandRunner.Result(0, "", ""));
    assertThatThrownBy(() -> applier(runner).apply(TPROXY_DUAL))
        .isInstanceOf(UserError.class)
        .hasMessage(
            "this network namespace already has IPv6 chains ISTIO_INBOUND, ISTIO_OUTPUT: telmesh applies "
                + "capture to a clean namespace, as an init container does");
    assertThat(runner.commands).containsExactly("iptables-save", "ip6tables-save");
  }

  @Test
  void aFailingRoutingCommandStopsTheApply() {
    FakeRunner ruleFails =
        new FakeRunner(
            line ->
                line.contains("rule")
                    ? new CommandRunner.Result(
                        2, "", "RTNETLINK answers: Operation not permitted\n")
                    : new CommandRunner.Result(0, "", ""));
    assertThatThrownBy(() -> applier(ruleFails).apply(TPROXY_DUAL))
        .hasMessage(
            "ip -4 rule add fwmark 1337 lookup 133 failed (exit 2): RTNETLINK answers: Operation not permitted");
    assertThat(ruleFails.commands).hasSize(6);
  }

  @Test
  void modeNoneAppliesNothing() {
    CapturePlan none =
        CapturePlanBuilder.forPod(
            Meshes.yaml(
                """
        apiVersion: v1
        kind: Pod
        metadata:
          name: off-0
          namespace: t
          annotations: {sidecar.istio.io/interceptionMode: NONE}
        spec:
          containers: [{name: a, image: a}]
        status: {phase: Running, podIP: 10.0.0.9, podIPs: [{ip: 10.0.0.9}]}
        """),
            new NamespacedName("t", "off-0"),
            true);
    FakeRunner runner = new FakeRunner(line -> new CommandRunner.Result(0, "", ""));
    applier(runner).apply(none);
    assertThat(runner.commands).isEmpty();
  }

  @Test
  void aMissingBinaryIsAUserError() {
    CommandRunner missing =
        (command, stdin) -> {
          throw new IOException(
              "Cannot run program \"" + command.get(0) + "\": error=2, No such file or directory");
        };
    assertThatThrownBy(() -> applier(missing).apply(TPROXY_DUAL))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith("cannot run iptables-save: ");
  }
}
