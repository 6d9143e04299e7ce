package io.telmesh.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.resources.ProxyResources;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.ManualSource;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.Objects;
import io.telmesh.validate.EnvoyValidator;
import io.telmesh.validate.Violation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What Envoy would reject is never pushed: the resource is held back, the proxy keeps the last good
 * version, and the failure is a problem entry (rule and field path) in logs, metrics,
 * /debug/problems and over gRPC. telmesh's translator emits nothing Envoy rejects, so the test
 * stands in a validator that also rejects one listener of a new Service, as a translator bug would.
 */
class ServerValidationTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());

  @Test
  void aRejectedResourceIsHeldBackAndReported() throws Exception {
    EnvoyValidator envoy = EnvoyValidator.create();
    Function<ProxyResources, List<Violation>> validator =
        resources -> {
          List<Violation> violations = new ArrayList<>(envoy.validate(resources));
          resources
              .listeners()
              .get("10.96.0.60_6000")
              .ifPresent(
                  l ->
                      violations.add(
                          new Violation(
                              "Listener",
                              l.getName(),
                              "filter_chains[0].filters[0].typed_config.stat_prefix",
                              "string.min_len",
                              "value length must be at least 1 characters")));
          return violations;
        };
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    ManualSource source = new ManualSource(demo);
    try (TelmeshServer server =
            new TelmeshServer(
                    new ServerOptions(
                        "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                    source,
                    List.of(),
                    validator)
                .start();
        AdsClient client = new AdsClient(server.xdsPort());
        AdsClient.Delta delta = client.delta()) {
      assertThat(server.pipeline().awaitReady(WAIT)).isTrue();
      delta.subscribe(AMF, TypeUrls.LISTENER, List.of());
      delta.ack(delta.next(TypeUrls.LISTENER, WAIT));

      source.publish(
          Objects.withService(
              demo,
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("bad")
                  .withNamespace("telco")
                  .endMetadata()
                  .withNewSpec()
                  .withClusterIP("10.96.0.60")
                  .addNewPort()
                  .withName("tcp-bad")
                  .withPort(6000)
                  .endPort()
                  .addNewPort()
                  .withName("tcp-good")
                  .withPort(6001)
                  .endPort()
                  .endSpec()
                  .build()));
      DeltaDiscoveryResponse lds = delta.next(TypeUrls.LISTENER, WAIT);
      delta.ack(lds);
      List<String> names = lds.getResourcesList().stream().map(Resource::getName).toList();
      assertThat(names)
          .as("the good listener of the same change goes out")
          .contains("10.96.0.60_6001")
          .doesNotContain("10.96.0.60_6000");

      assertThat(server.pipeline().problems())
          .anySatisfy(
              p -> {
                assertThat(p.kind()).isEqualTo("Listener");
                assertThat(p.name()).isEqualTo("10.96.0.60_6000");
                assertThat(p.field())
                    .isEqualTo("filter_chains[0].filters[0].typed_config.stat_prefix");
                assertThat(p.reason())
                    .contains("[string.min_len]")
                    .contains("keeps its last good version");
              });
      HttpClient http = HttpClient.newHttpClient();
      String problems =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + server.monitoringPort() + "/debug/problems"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(problems).contains("10.96.0.60_6000", "string.min_len");
      String metrics =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.monitoringPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(metrics).contains("telmesh_validation_failures_total{rule=\"string.min_len\"}");
    }
  }

  @Test
  void theProxyKeepsTheLastGoodVersionOfARejectedResource() throws Exception {
    EnvoyValidator envoy = EnvoyValidator.create();
    java.util.concurrent.atomic.AtomicBoolean reject =
        new java.util.concurrent.atomic.AtomicBoolean();
    Function<ProxyResources, List<Violation>> validator =
        resources -> {
          List<Violation> violations = new ArrayList<>(envoy.validate(resources));
          if (reject.get()) {
            resources
                .listeners()
                .get("10.96.0.60_6000")
                .ifPresent(
                    l ->
                        violations.add(
                            new Violation(
                                "Listener",
                                l.getName(),
                                "address",
                                "test.reject",
                                "rejected for the test")));
          }
          return violations;
        };
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    ManualSource source = new ManualSource(Objects.withService(demo, service("tcp-x")));
    try (TelmeshServer server =
            new TelmeshServer(
                    new ServerOptions(
                        "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                    source,
                    List.of(),
                    validator)
                .start();
        AdsClient client = new AdsClient(server.xdsPort());
        AdsClient.Delta delta = client.delta()) {
      assertThat(server.pipeline().awaitReady(WAIT)).isTrue();
      delta.subscribe(AMF, TypeUrls.LISTENER, List.of());
      DeltaDiscoveryResponse first = delta.next(TypeUrls.LISTENER, WAIT);
      delta.ack(first);
      Resource good =
          first.getResourcesList().stream()
              .filter(r -> r.getName().equals("10.96.0.60_6000"))
              .findFirst()
              .orElseThrow();

      reject.set(true);
      source.publish(Objects.withService(demo, service("diameter-x")));
      List<DeltaDiscoveryResponse> after = delta.drain(Duration.ofSeconds(1));
      after.forEach(delta::ack);
      assertThat(after)
          .allSatisfy(
              r ->
                  assertThat(r.getResourcesList())
                      .extracting(Resource::getName)
                      .doesNotContain("10.96.0.60_6000"));
      assertThat(
              server
                  .cache()
                  .snapshot(AMF.getId())
                  .orElseThrow()
                  .type(TypeUrls.LISTENER)
                  .get("10.96.0.60_6000")
                  .version())
          .as("the snapshot keeps the last good version")
          .isEqualTo(good.getVersion());
    }
  }

  private static io.fabric8.kubernetes.api.model.Service service(String portName) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName("flaky")
        .withNamespace("telco")
        .endMetadata()
        .withNewSpec()
        .withClusterIP("10.96.0.60")
        .addNewPort()
        .withName(portName)
        .withPort(6000)
        .endPort()
        .endSpec()
        .build();
  }
}
