package io.telmesh.e2e.peers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each peer CI builds runs here and is the release the tests claim to test against. (The Kubernetes
 * and etcd peers join when a CI test runs them; {@code build.sh all} builds them.)
 */
class PeersTest {

  @TempDir Path home;

  @Test
  void istioctlIsTheIstioCommit() throws Exception {
    assertThat(run("istioctl", "version", "--remote=false")).contains("1.31-dev");
  }

  private String run(String peer, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Peers.binary(peer).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // Nothing from the developer's own ~/.kube or ~/.istioctl may change what the tools print.
    builder.environment().put("HOME", home.toString());
    builder.environment().put("KUBECONFIG", home.resolve("no-kubeconfig").toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s exited", command).isTrue();
    assertThat(process.exitValue()).as("exit of %s, output:%n%s", command, output).isZero();
    return output;
  }
}
