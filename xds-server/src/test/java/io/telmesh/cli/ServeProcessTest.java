package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code telmesh serve} as a process: readiness, metrics, one xDS fetch, graceful SIGTERM. */
class ServeProcessTest {

  @TempDir Path tmp;

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void servesTheBundledDemoAndStopsCleanlyOnSigterm() throws Exception {
    int xds = freePort();
    int monitoring = freePort();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path log = tmp.resolve("serve.log");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classpath,
                Main.class.getName(),
                "serve",
                "--bind",
                "127.0.0.1",
                "--xds-port",
                Integer.toString(xds),
                "--monitoring-port",
                Integer.toString(monitoring),
                "--log-format",
                "json")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      URI ready = URI.create("http://127.0.0.1:" + monitoring + "/ready");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      int status = 0;
      while (status != 200 && System.nanoTime() < deadline) {
        try {
          status =
              http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString())
                  .statusCode();
        } catch (java.io.IOException notYet) {
          Thread.sleep(200);
        }
      }
      assertThat(status).as("ready; log:%n%s", Files.readString(log)).isEqualTo(200);

      try (AdsClient client = new AdsClient(xds);
          AdsClient.Sotw ads = client.sotw()) {
        ads.request(
            Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of()),
            TypeUrls.CLUSTER,
            List.of());
        DiscoveryResponse cds = ads.next(TypeUrls.CLUSTER, Duration.ofSeconds(30));
        assertThat(cds.getResourcesCount()).isGreaterThan(5);
        String metrics =
            http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + monitoring + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
            .contains(
                "telmesh_proxies_connected 1.0",
                "telmesh_xds_pushes_total{type=\"CDS\"}",
                "telmesh_problems 1.0",
                "telmesh_translation_mesh_seconds_count",
                // the demo's networks, from the mesh being served
                "telmesh_mesh_pods{network=\"default\"} 8.0",
                // the one connected sidecar (hss-0: eth0 and the signaling network)
                "telmesh_proxies_connected_by_network{network=\"default\"} 1.0",
                "telmesh_proxies_connected_by_network{network=\"telco/signaling\"} 1.0",
                "telmesh_mesh_pods{network=\"telco/signaling\"} 5.0",
                "telmesh_mesh_untouched_ports{protocol=\"SCTP\"}",
                "telmesh_pod_network_interface{interface=\"net1\",namespace=\"telco\","
                    + "network=\"telco/signaling\",pod=\"hss-0\"} 1.0",
                "telmesh_mesh_untouched_ports{protocol=\"UDP\"}",
                // Micrometer's JVM and process binders
                "jvm_memory_used_bytes{",
                "jvm_gc_",
                "jvm_threads_live_threads",
                "process_cpu_usage",
                "process_uptime_seconds",
                "process_files_open_files");
      }
      String output = Files.readString(log);
      assertThat(output)
          .contains(
              "xDS (ADS", ":" + xds, "sidecar~10.244.1.10~amf-0.telco~telco.svc.cluster.local");
    } finally {
      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    String all = Files.readString(log);
    assertThat(all).contains("shutting down", "stopped");
    List<String> logLines = all.lines().filter(l -> l.startsWith("{")).toList();
    assertThat(logLines).as("log lines as JSON objects").isNotEmpty();
    for (String line : logLines) {
      assertThat(
              tools.jackson.databind.json.JsonMapper.builder()
                  .build()
                  .readTree(line)
                  .path("level")
                  .asString())
          .as(line)
          .isIn("INFO", "WARN", "ERROR");
    }
  }

  @Test
  void badArgumentsAreOneLineAndNonZero() throws Exception {
    java.io.StringWriter err = new java.io.StringWriter();
    var line = Main.commandLine();
    line.setErr(new java.io.PrintWriter(err));
    int code =
        line.execute(
            "serve",
            "--manifests",
            tmp.resolve("missing").toString(),
            "--xds-port",
            "0",
            "--monitoring-port",
            "0");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString().strip())
        .startsWith("telmesh: error:")
        .contains("missing")
        .doesNotContain("\n");
  }
}
