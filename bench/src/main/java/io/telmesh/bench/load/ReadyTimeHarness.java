package io.telmesh.bench.load;

import io.telmesh.testing.MeshGenerator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Time from process start to {@code /ready} of {@code telmesh serve --manifests DIR} on the
 * reference mesh, and what JVM options take off it: the JDK's default class data sharing (against
 * {@code -Xshare:off}), an application CDS archive trained on the same command, and C1 only.
 * Variants alternate within each round, so a noisy machine hits them alike.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.telmesh.bench.load.ReadyTimeHarness [rounds
 * [services pods interfaces]]} from the repository root, after {@code mvn package}; defaults {@code
 * 5 1000 2000 3}.
 */
public final class ReadyTimeHarness {

  private static final Path JAR = Path.of("xds-server/target/telmesh.jar");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();

  private ReadyTimeHarness() {}

  /** One run's figures: wall time to /ready and resident memory then. */
  record Run(long millis, long rssKb) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    MeshGenerator.Shape shape =
        args.length == 4
            ? new MeshGenerator.Shape(
                Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), 10)
            : new MeshGenerator.Shape(1000, 2000, 3, 10);
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run mvn package first");
    }
    Path work = Files.createTempDirectory("telmesh-ready");
    Path manifests = work.resolve("mesh");
    System.out.println(ReferenceMeshWriter.write(manifests, shape));
    // The image's archive is trained on the bundled demo (no manifests at build time); one trained
    // on the measured mesh itself shows what a site-specific archive would add.
    Path demoArchive = work.resolve("demo.jsa");
    Path meshArchive = work.resolve("mesh.jsa");
    Run demoTraining = run(null, List.of("-XX:ArchiveClassesAtExit=" + demoArchive));
    Run meshTraining = run(manifests, List.of("-XX:ArchiveClassesAtExit=" + meshArchive));
    System.out.printf(
        "training runs: demo %d ms to /ready, archive %d KB; this mesh %d ms, archive %d KB%n",
        demoTraining.millis(),
        Files.size(demoArchive) / 1024,
        meshTraining.millis(),
        Files.size(meshArchive) / 1024);

    Map<String, List<String>> variants = new LinkedHashMap<>();
    variants.put("JDK default (base CDS archive)", List.of());
    variants.put("no CDS (-Xshare:off)", List.of("-Xshare:off"));
    variants.put(
        "AppCDS archive trained on the demo", List.of("-XX:SharedArchiveFile=" + demoArchive));
    variants.put(
        "AppCDS archive trained on this mesh", List.of("-XX:SharedArchiveFile=" + meshArchive));
    variants.put("C1 only (-XX:TieredStopAtLevel=1)", List.of("-XX:TieredStopAtLevel=1"));
    variants.put(
        "AppCDS (demo) + C1 only",
        List.of("-XX:SharedArchiveFile=" + demoArchive, "-XX:TieredStopAtLevel=1"));
    Map<String, List<Run>> results = new LinkedHashMap<>();
    variants.keySet().forEach(v -> results.put(v, new ArrayList<>()));
    for (int round = 1; round <= rounds; round++) {
      for (Map.Entry<String, List<String>> variant : variants.entrySet()) {
        Run run = run(manifests, variant.getValue());
        results.get(variant.getKey()).add(run);
        System.out.printf(
            "round %d, %s: %d ms, RSS %d MB%n",
            round, variant.getKey(), run.millis(), run.rssKb() / 1024);
      }
    }
    List<Run> reference = results.get("JDK default (base CDS archive)");
    System.out.println();
    System.out.println(
        "| variant | to /ready, median (range) | ratio to JDK default, median (range) | RSS at"
            + " ready, median |");
    System.out.println("|---|---|---|---|");
    results.forEach(
        (variant, runs) -> {
          double[] ratios = new double[runs.size()];
          for (int i = 0; i < runs.size(); i++) {
            ratios[i] = runs.get(i).millis() / (double) reference.get(i).millis();
          }
          long[] millis = runs.stream().mapToLong(Run::millis).sorted().toArray();
          long[] rss = runs.stream().mapToLong(Run::rssKb).sorted().toArray();
          Arrays.sort(ratios);
          System.out.printf(
              "| %s | %d ms (%d–%d) | %.2f (%.2f–%.2f) | %d MB |%n",
              variant,
              millis[millis.length / 2],
              millis[0],
              millis[millis.length - 1],
              ratios[ratios.length / 2],
              ratios[0],
              ratios[ratios.length - 1],
              rss[rss.length / 2] / 1024);
        });
  }

  /**
   * Starts the server with these JVM options on these manifests (null: the bundled demo), waits for
   * /ready, ends it with SIGTERM.
   */
  private static Run run(Path manifests, List<String> jvmOptions) throws Exception {
    int xds = freePort();
    int monitoring = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:+ExitOnOutOfMemoryError"); // as the launcher runs it
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            JAR.toString(),
            "serve",
            "--bind",
            "127.0.0.1",
            "--xds-port",
            Integer.toString(xds),
            "--monitoring-port",
            Integer.toString(monitoring)));
    if (manifests != null) {
      command.addAll(List.of("--manifests", manifests.toString()));
    }
    long started = System.nanoTime();
    Process server =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      URI ready = URI.create("http://127.0.0.1:" + monitoring + "/ready");
      long deadline = started + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < deadline) {
        if (!server.isAlive()) {
          throw new IllegalStateException("server exited with " + server.exitValue());
        }
        if (isReady(ready)) {
          long millis = (System.nanoTime() - started) / 1_000_000;
          return new Run(millis, rssKb(server.pid()));
        }
        Thread.sleep(5);
      }
      throw new IllegalStateException("not ready within 3 minutes");
    } finally {
      server.destroy(); // SIGTERM: the training run writes its archive on the way out
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  private static boolean isReady(URI ready) throws InterruptedException {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(ready).GET().build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException notYetListening) {
      return false;
    }
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
