package io.telmesh.bench.load;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.telmesh.e2e.peers.Peers;
import io.telmesh.kube.KubeObjects;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * istiod ({@code pilot-discovery}, built from the same istio module as the e2e tests' pilot-agent)
 * on a real API server holding the mesh, with its defaults: the reference for Istio's push path.
 * Sidecars connect to its plaintext xDS port as they do to 15010. Its heap is the Go runtime's live
 * heap after a collection, from its own metrics; its CPU is the process's user and system time. Its
 * environment is the harness's, so istiod's own variables ({@code PILOT_MAX_REQUESTS_PER_SECOND},
 * {@code PILOT_DEBOUNCE_AFTER}) can be set on the command line.
 */
final class IstiodMode implements BenchServer.Mode {

  private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

  /** Linux's USER_HZ: /proc reports CPU time in these ticks. */
  private static final long TICKS_PER_SECOND = 100;

  private final ApiServerMesh mesh;
  private final Process istiod;
  private final int grpcPort;
  private final int monitoringPort;
  private final int httpPort;
  private final HttpClient http = HttpClient.newHttpClient();

  IstiodMode(KubeObjects objects) throws Exception {
    mesh = ApiServerMesh.start(objects);
    try {
      mesh.client()
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName("istio-system")
                  .endMetadata()
                  .build())
          .create();
      Path dir = Files.createTempDirectory("telmesh-bench-istiod");
      Files.writeString(dir.resolve("mesh"), "rootNamespace: istio-system\n");
      grpcPort = freePort();
      monitoringPort = freePort();
      httpPort = freePort();
      List<String> command =
          new ArrayList<>(
              List.of(
                  Peers.binary("pilot-discovery").toString(),
                  "discovery",
                  "--kubeconfig",
                  mesh.kubeconfig().toString(),
                  "--meshConfig",
                  dir.resolve("mesh").toString(),
                  "--grpcAddr",
                  "127.0.0.1:" + grpcPort,
                  "--httpAddr",
                  "127.0.0.1:" + httpPort,
                  "--monitoringAddr",
                  "127.0.0.1:" + monitoringPort,
                  "--secureGRPCAddr",
                  "127.0.0.1:" + freePort(),
                  "--httpsAddr",
                  "127.0.0.1:" + freePort(),
                  "--ctrlz_port",
                  Integer.toString(freePort()),
                  "--log_output_level",
                  "default:warn"));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("istiod.log").toFile());
      builder.environment().put("POD_NAMESPACE", "istio-system");
      builder.environment().put("POD_NAME", "istiod-bench");
      builder.environment().put("REVISION", "default");
      istiod = builder.start();
      awaitReady(URI.create("http://127.0.0.1:" + httpPort + "/ready"), dir);
      System.err.println("istiod ready; its log: " + dir.resolve("istiod.log"));
    } catch (Exception e) {
      mesh.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void awaitReady(URI ready, Path dir) throws Exception {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!istiod.isAlive()) {
        throw new IllegalStateException(
            "istiod exited " + istiod.exitValue() + "; see " + dir.resolve("istiod.log"));
      }
      try {
        if (get(ready.toString(), BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("istiod not ready in " + READY_TIMEOUT);
  }

  @Override
  public int port() {
    return grpcPort;
  }

  @Override
  public Instant change(int change) {
    return mesh.flip(change);
  }

  /**
   * The live heap after a collection, as the JVM's is read: pprof's heap profile with {@code gc=1}
   * collects first (istiod serves pprof on its HTTP port), then go_memstats_heap_alloc_bytes.
   */
  @Override
  public long heapBytes() throws Exception {
    HttpResponse<Void> collected =
        get("http://127.0.0.1:" + httpPort + "/debug/pprof/heap?gc=1", BodyHandlers.discarding());
    if (collected.statusCode() != 200) {
      throw new IllegalStateException("istiod's pprof heap answered " + collected.statusCode());
    }
    String metrics =
        get("http://127.0.0.1:" + monitoringPort + "/metrics", BodyHandlers.ofString()).body();
    return metrics
        .lines()
        .filter(l -> l.startsWith("go_memstats_heap_alloc_bytes "))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("istiod reports no go_memstats_heap_alloc_bytes"));
  }

  private <T> HttpResponse<T> get(String uri, HttpResponse.BodyHandler<T> body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(uri)).build(), body);
  }

  /** utime and stime, fields 14 and 15 of /proc/PID/stat (after the parenthesised name). */
  @Override
  public long cpuNanos() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(istiod.pid()), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return TimeUnit.SECONDS.toNanos(ticks) / TICKS_PER_SECOND;
  }

  @Override
  public void close() {
    istiod.destroy();
    try {
      if (!istiod.waitFor(20, TimeUnit.SECONDS)) {
        istiod.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      mesh.close();
    }
  }
}
