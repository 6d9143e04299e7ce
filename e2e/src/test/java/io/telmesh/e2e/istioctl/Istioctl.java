package io.telmesh.e2e.istioctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.e2e.peers.Peers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * istioctl pointed at one telmesh ({@code --xds-address HOST:PORT --plaintext}), with a home of its
 * own and a kubeconfig that does not exist, so nothing on the machine steers it.
 */
public final class Istioctl {

  private final Path binary;
  private final Path home;
  private final String xdsAddress;

  public Istioctl(Path home, String host, int port) {
    this.binary = Peers.binary("istioctl");
    this.home = home;
    this.xdsAddress = host + ":" + port;
  }

  /** Runs istioctl; its stdout and stderr, failing on a non-zero exit. */
  public String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(binary.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("--xds-address", xdsAddress, "--plaintext"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("HOME", home.toString());
    builder.environment().put("KUBECONFIG", home.resolve("no-kubeconfig").toString());
    Process process = builder.start();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("istioctl " + String.join(" ", args) + " did not finish in 90 s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("istioctl %s:\n%s", String.join(" ", args), output).isZero();
    return output;
  }

  /** The line of a table that starts with a proxy's name. */
  public static String row(String table, String proxy) {
    return table
        .lines()
        .filter(l -> l.startsWith(proxy))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + proxy + " in\n" + table));
  }
}
