package io.telmesh.e2e.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's {@code ./telmesh} launcher as an operator runs it: out of memory, the process
 * ends (a half-dead server, its threads gone and {@code /ready} hanging, is worse than a restart).
 */
class LauncherTest {

  @TempDir Path dir;

  @Test
  void outOfMemoryEndsTheProcess() throws Exception {
    Path launcher = Path.of("..", "telmesh").toAbsolutePath().normalize();
    assertThat(Path.of("..", "xds-server", "target", "telmesh.jar")).exists();
    // Pods are what the mesh keeps: 6 files of 2 000 pods with 4 KB annotations each, under every
    // manifest limit, are far more than a 48 MB heap holds.
    StringBuilder pods = new StringBuilder();
    String big = "a".repeat(4000);
    for (int i = 0; i < 2000; i++) {
      pods.append(
          """
          apiVersion: v1
          kind: Pod
          metadata: {name: p-%d, namespace: big, annotations: {filler: %s}}
          spec: {containers: [{name: c, image: i}]}
          status: {phase: Running, podIP: 10.1.%d.%d}
          ---
          """
              .formatted(i, big, i / 250, i % 250));
    }
    Path manifests = Files.createDirectory(dir.resolve("manifests"));
    ProcessBuilder builder =
        new ProcessBuilder(
                launcher.toString(),
                "serve",
                "--manifests",
                manifests.toString(),
                "--bind",
                "127.0.0.1",
                "--xds-port",
                "0",
                "--monitoring-port",
                "0")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("serve.log").toFile());
    builder.environment().put("TELMESH_JAVA_OPTS", "-Xmx48m");
    Path log = dir.resolve("serve.log");
    Process process = builder.start();
    // Up and serving an empty directory first: the memory runs out later, on the watch thread,
    // which is the half-dead case (the main thread and the servers live on without the flag).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(log).contains("serving manifests in")
        && System.nanoTime() < deadline
        && process.isAlive()) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(log)).as("serving before the files arrive").contains("serving");
    for (int f = 0; f < 6; f++) {
      Files.writeString(
          manifests.resolve("pods-" + f + ".yaml"),
          pods.toString().replace("name: p-", "name: f" + f + "-p-"),
          StandardCharsets.UTF_8);
    }

    boolean ended = process.waitFor(90, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    assertThat(ended).as("the process ended; output:%n%s", output).isTrue();
    assertThat(process.exitValue()).isNotZero();
    assertThat(output).contains("Terminating due to java.lang.OutOfMemoryError");
  }
}
