package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.ServeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code telmesh serve} as a process: readiness, metrics, one xDS fetch, graceful SIGTERM. */
class ServeProcessTest {

  @TempDir Path tmp;

  @Test
  void servesTheBundledDemoAndStopsCleanlyOnSigterm() throws Exception {
    Path log = tmp.resolve("serve.log");
    ServeProcess serve = ServeProcess.start(log, "--log-format", "json");
    try {
      serve.awaitReady(Duration.ofSeconds(60));
      try (AdsClient client = new AdsClient(serve.xdsPort());
          AdsClient.Sotw ads = client.sotw()) {
        ads.request(
            Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of()),
            TypeUrls.CLUSTER,
            List.of());
        DiscoveryResponse cds = ads.next(TypeUrls.CLUSTER, Duration.ofSeconds(30));
        assertThat(cds.getResourcesCount()).isGreaterThan(5);
        String metrics = serve.get("/metrics").body();
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
      assertThat(serve.log())
          .contains("xDS (ADS", "sidecar~10.244.1.10~amf-0.telco~telco.svc.cluster.local");
    } finally {
      assertThat(serve.terminate(Duration.ofSeconds(30))).isTrue();
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
