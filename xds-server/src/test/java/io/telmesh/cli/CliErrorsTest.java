package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error is one line that names the flag, file or address, without Java's class names; a wrong
 * command line exits 2, anything else that fails exits 1, and nothing starts listening before the
 * command line has been found good.
 */
class CliErrorsTest {

  @TempDir Path tmp;

  private static void oneLine(CliRun run) {
    assertThat(run.err().strip()).doesNotContain("\n");
    assertThat(run.err())
        .doesNotContainPattern("Exception|java\\.|tools\\.jackson|\\bat [a-z]+\\.");
  }

  @Test
  void badFlagValuesAreUsageErrors() {
    String[][] cases = {
      {"serve", "--xds-port", "99999"},
      {"serve", "--monitoring-port", "-1"},
      {"serve", "--log-level", "loud"},
      {"serve", "--log-format", "xml"},
      {"serve", "--max-manifest-file-size", "lots"},
      {"serve", "--send-buffer", "0"},
      {"serve", "--send-buffer", "-5Mi"},
      {"validate", "--max-manifest-parse-time", "soon"},
      {"iptables", "--family", "5"},
      {"proxy-status", "--xds-address", "no-port"},
    };
    for (String[] args : cases) {
      CliRun run = CliRun.of(args);
      assertThat(run.exitCode()).as(String.join(" ", args) + ": " + run.err()).isEqualTo(2);
      assertThat(run.err()).as(String.join(" ", args)).startsWith("telmesh: ").contains("--help");
      oneLine(run);
    }
    assertThat(CliRun.of("serve", "--xds-port", "99999").err())
        .contains("'99999' is not a port: 0 (any free port) to 65535");
  }

  @Test
  void aMissingManifestDirectoryFailsBeforeAnythingListens() {
    CliRun run =
        CliRun.of(
            "serve",
            "--manifests",
            tmp.resolve("nonexistent").toString(),
            "--xds-port",
            "0",
            "--monitoring-port",
            "0");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().strip())
        .isEqualTo(
            "telmesh: error: --manifests " + tmp.resolve("nonexistent") + ": no such directory");
    assertThat(run.out()).as("no server was started, so none is shut down").isEmpty();
  }

  @Test
  void aPortInUseIsNamedWithTheReason() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      CliRun run =
          CliRun.of(
              "serve",
              "--bind",
              "127.0.0.1",
              "--xds-port",
              Integer.toString(taken.getLocalPort()),
              "--monitoring-port",
              "0");
      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.err().strip())
          .isEqualTo(
              "telmesh: error: cannot listen on 127.0.0.1:"
                  + taken.getLocalPort()
                  + " (xDS): address already in use");
    }
  }
}
