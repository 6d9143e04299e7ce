package io.telmesh.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watched manifest directory: edits, additions, deletions and broken files reach proxies. */
class ManifestDirectorySourceTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());

  @TempDir Path dir;
  private TelmeshServer telmesh;
  private AdsClient client;

  @BeforeEach
  void start() throws Exception {
    try (Stream<Path> files = Files.list(Meshes.demoDir())) {
      for (Path file : files.toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    // A long rescan: these changes must arrive through file events.
    telmesh =
        new TelmeshServer(
                new ServerOptions(
                    "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                new ManifestDirectorySource(dir, Duration.ofMinutes(10)),
                List.of())
            .start();
    assertThat(telmesh.pipeline().awaitReady(WAIT)).isTrue();
    client = new AdsClient(telmesh.xdsPort());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    telmesh.close();
  }

  private static DeltaDiscoveryResponse await(
      AdsClient.Delta delta, Predicate<DeltaDiscoveryResponse> what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      DeltaDiscoveryResponse response =
          delta.next(TypeUrls.LISTENER, Duration.ofNanos(deadline - System.nanoTime()));
      delta.ack(response);
      if (what.test(response)) {
        return response;
      }
    }
    throw new AssertionError("no matching response");
  }

  private static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).toList();
  }

  @Test
  void editsAdditionsDeletionsAndBrokenFiles() throws Exception {
    try (AdsClient.Delta delta = client.delta()) {
      delta.subscribe(AMF, TypeUrls.LISTENER, List.of());
      await(delta, r -> names(r).contains("10.96.0.20_3868"));

      Path services = dir.resolve("30-services.yaml");
      String original = Files.readString(services, StandardCharsets.UTF_8);
      Files.writeString(
          services, original.replace("port: 9000", "port: 9001"), StandardCharsets.UTF_8);
      DeltaDiscoveryResponse edited = await(delta, r -> names(r).contains("10.96.0.12_9001"));
      assertThat(edited.getRemovedResourcesList()).contains("10.96.0.12_9000");

      Files.writeString(
          dir.resolve("50-extra.yaml"),
          """
          apiVersion: v1
          kind: Service
          metadata: {name: extra, namespace: telco}
          spec: {clusterIP: 10.96.0.77, ports: [{name: tcp-extra, port: 4444}]}
          """,
          StandardCharsets.UTF_8);
      await(delta, r -> names(r).contains("10.96.0.77_4444"));

      Files.delete(dir.resolve("50-extra.yaml"));
      await(delta, r -> r.getRemovedResourcesList().contains("10.96.0.77_4444"));

      Files.writeString(
          dir.resolve("60-broken.yaml"),
          "apiVersion: v1\nkind: Service\nmetadata: {name: x\n",
          StandardCharsets.UTF_8);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (telmesh.pipeline().problems().stream()
              .noneMatch(p -> p.name().equals("60-broken.yaml"))
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(telmesh.pipeline().problems())
          .anySatisfy(
              p -> {
                assertThat(p.kind()).isEqualTo("Manifest");
                assertThat(p.name()).isEqualTo("60-broken.yaml");
                assertThat(p.reason()).contains("broken YAML");
              });
      List<DeltaDiscoveryResponse> after = delta.drain(Duration.ofMillis(500));
      assertThat(after)
          .as("the rest stays served")
          .allSatisfy(r -> assertThat(r.getRemovedResourcesList()).isEmpty());
      assertThat(telmesh.pipeline().current().orElseThrow().mesh().services()).hasSize(8);
    }
  }
}
