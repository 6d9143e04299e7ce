package io.telmesh.e2e.peers;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Go programs from the ecosystem that tests run against (kube-apiserver, etcd, istioctl, and our
 * own modules under {@code e2e/peers/}), built by {@code e2e/peers/build.sh} into a cache shared by
 * every run on the machine.
 */
public final class Peers {

  private static final String SCRIPT = "e2e/peers/build.sh";

  // A cold kube-apiserver build takes tens of minutes on two cores; past this something is stuck.
  private static final long BUILD_TIMEOUT_MINUTES = 60;

  // Compile errors and the script's own complaint are at the end of a long log.
  private static final int STDERR_TAIL_LINES = 40;

  private Peers() {}

  /**
   * The binary of {@code peer} (a name {@code build.sh} knows, such as {@code kube-apiserver}),
   * built first unless a cached build of the same version exists. Concurrent callers, in this JVM
   * or others, wait for one build; a cached one costs a few tens of milliseconds.
   */
  public static Path binary(String peer) {
    Path script = repoRoot().resolve(SCRIPT);
    Path out = null;
    Path log = null;
    Process process = null;
    try {
      // Files, not pipes: a cold build logs a lot, and waitFor must be able to time out.
      out = Files.createTempFile("telmesh-peer-" + peer, ".out");
      log = Files.createTempFile("telmesh-peer-" + peer, ".log");
      process =
          new ProcessBuilder("bash", script.toString(), peer)
              .redirectOutput(out.toFile())
              .redirectError(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      if (!process.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        throw failure(peer, "timed out after " + BUILD_TIMEOUT_MINUTES + " min", log);
      }
      if (process.exitValue() != 0) {
        throw failure(peer, "exit " + process.exitValue(), log);
      }
      String stdout = Files.readString(out, StandardCharsets.UTF_8);
      List<String> lines = stdout.lines().filter(l -> !l.isBlank()).toList();
      Path binary = lines.isEmpty() ? null : Path.of(lines.get(lines.size() - 1));
      if (binary == null || !Files.isExecutable(binary)) {
        throw failure(peer, "printed no executable path: '" + stdout.strip() + "'", log);
      }
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + script + " " + peer, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted building peer " + peer, e);
    } finally {
      if (process != null && process.isAlive()) {
        // go build runs in child processes that outlive bash when only bash is killed.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      deleteQuietly(out);
      deleteQuietly(log);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover file in the temp directory is harmless.
    }
  }

  private static IllegalStateException failure(String peer, String why, Path log)
      throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    List<String> tail = lines.subList(Math.max(0, lines.size() - STDERR_TAIL_LINES), lines.size());
    return new IllegalStateException(
        String.format(
            "%s %s failed (%s); its stderr ends:%n%s", SCRIPT, peer, why, String.join("\n", tail)));
  }

  /**
   * The checkout holding the script. Surefire runs tests in the module directory ({@code e2e/}), an
   * IDE often in the repository root, so look upwards from wherever we are.
   */
  public static Path repoRoot() {
    String start = System.getProperty("basedir", System.getProperty("user.dir"));
    for (Path dir = Path.of(start).toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(SCRIPT))) {
        return dir;
      }
    }
    throw new IllegalStateException("no " + SCRIPT + " in " + start + " or any directory above it");
  }
}
