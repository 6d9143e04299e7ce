package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.node.NodeMetadata;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bootstrap --kubernetes} and {@code iptables --kubernetes} against fabric8's mock API
 * server in CRUD mode, configured the way an init container's client finds its API server
 * (fabric8's auto-configuration, here through system properties instead of the service account).
 */
class KubernetesPodOptionTest {

  private static final Map<String, String> CLIENT_PROPERTIES =
      Map.of(
          "kubernetes.auth.tryKubeConfig", "false",
          "kubernetes.auth.tryServiceAccount", "false");
  private static final String NETWORKS = "k8s.v1.cni.cncf.io/networks";
  private static final String STATUS = "k8s.v1.cni.cncf.io/network-status";
  private static final String MULTUS_STATUS =
      "[{\"name\":\"kindnet\",\"interface\":\"eth0\",\"ips\":[\"10.244.1.5\"],"
          + "\"default\":true,\"dns\":{}},{\"name\":\"e2e/signaling\",\"interface\":\"net1\",\"ips\":[\"10.203.0.200\"],"
          + "\"dns\":{}}]";

  private KubernetesMockServer api;
  private KubernetesClient kube;
  private final Map<String, String> saved = new HashMap<>();

  @BeforeEach
  void start() {
    api =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()),
            false);
    api.init(InetAddress.getLoopbackAddress(), 0);
    kube = api.createClient();
    Map<String, String> properties = new HashMap<>(CLIENT_PROPERTIES);
    properties.put(
        "kubernetes.master",
        "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + api.getPort());
    properties.forEach(
        (key, value) -> {
          saved.put(key, System.getProperty(key));
          System.setProperty(key, value);
        });
  }

  @AfterEach
  void stop() {
    System.clearProperty("kubernetes.request.retry.backoffLimit");
    saved.forEach(
        (key, value) -> {
          if (value == null) {
            System.clearProperty(key);
          } else {
            System.setProperty(key, value);
          }
        });
    kube.close();
    api.destroy();
  }

  private static Pod server(boolean withStatus) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("server")
            .withNamespace("e2e")
            .addToLabels("app", "server")
            .addToAnnotations(
                NETWORKS,
                "[{\"name\":\"signaling\",\"interface\":\"net1\",\"ips\":[\"10.203.0.200/24\"]}]")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("tcp-echo")
            .withImage("demo")
            .addNewPort()
            .withContainerPort(9000)
            .endPort()
            .addNewPort()
            .withName("sctp")
            .withContainerPort(38412)
            .withProtocol("SCTP")
            .endPort()
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPodIP("10.244.1.5")
            .addNewPodIP("10.244.1.5")
            .endStatus();
    if (withStatus) {
      pod.editMetadata().addToAnnotations(STATUS, MULTUS_STATUS).endMetadata();
    }
    return pod.build();
  }

  @Test
  void bootstrapWaitsForMultusAndReadsTheLivePod() throws Exception {
    kube.pods().inNamespace("e2e").resource(server(false)).create();
    // Multus writes network-status a little later (here: while the command is already waiting).
    CompletableFuture<Void> multus =
        CompletableFuture.runAsync(
            () ->
                kube.pods()
                    .inNamespace("e2e")
                    .withName("server")
                    .edit(
                        p ->
                            new PodBuilder(p)
                                .editMetadata()
                                .addToAnnotations(STATUS, MULTUS_STATUS)
                                .endMetadata()
                                .build()),
            CompletableFuture.delayedExecutor(1200, TimeUnit.MILLISECONDS));

    CliRun run =
        CliRun.of(
            "bootstrap",
            "--kubernetes",
            "--pod",
            "e2e/server",
            "--xds-address",
            "telmesh.telmesh-system.svc.cluster.local:15010",
            "--wait",
            "20s",
            "--idle-timeout",
            "30s");
    multus.get(5, TimeUnit.SECONDS);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err())
        .contains(
            "telmesh: pod e2e/server: it asks for networks",
            "no " + STATUS + " from Multus yet; waiting up to 20s");
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    EnvoyTypes.parser().merge(run.out(), bootstrap);
    assertThat(bootstrap.getNode().getId())
        .isEqualTo("sidecar~10.244.1.5~server.e2e~e2e.svc.cluster.local");
    NodeMetadata metadata = NodeMetadata.from(bootstrap.getNode().getMetadata());
    assertThat(metadata.instanceIps()).containsExactly("10.244.1.5", "10.203.0.200");
    assertThat(metadata.idleTimeout()).contains(Duration.ofSeconds(30));
    assertThat(bootstrap.getNode().getMetadata().getFieldsOrThrow("IDLE_TIMEOUT").getStringValue())
        .isEqualTo("30s");
  }

  @Test
  void iptablesReadsTheLivePodAndItsNamespacesServices() {
    kube.pods().inNamespace("e2e").resource(server(true)).create();
    kube.services()
        .inNamespace("e2e")
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("sctp-echo")
                .withNamespace("e2e")
                .endMetadata()
                .withNewSpec()
                .withClusterIP("10.96.0.77")
                .addToSelector("app", "server")
                .addNewPort()
                .withName("sctp")
                .withPort(38412)
                .withProtocol("SCTP")
                .endPort()
                .endSpec()
                .build())
        .create();

    CliRun run = CliRun.of("iptables", "--kubernetes", "--pod", "e2e/server", "--format", "json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("\"name\": \"net1\"", "\"10.203.0.200\"", "\"owner\": \"Service e2e/sctp-echo\"")
        .contains("\"-A PREROUTING -p tcp -j ISTIO_INBOUND\"");
  }

  @Test
  void aPodThatNeverAppearsIsAOneLineErrorAfterTheWait() {
    CliRun run =
        CliRun.of(
            "bootstrap",
            "--kubernetes",
            "--pod",
            "e2e/nope",
            "--xds-address",
            "10.96.0.10:15010",
            "--wait",
            "1s");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines().toList())
        .containsExactly(
            "telmesh: pod e2e/nope: not found; waiting up to 1s",
            "telmesh: error: pod e2e/nope: not found after waiting 1s");
  }

  @Test
  void anUnreachableApiIsAOneLineError() {
    System.setProperty("kubernetes.master", "http://127.0.0.1:1");
    System.setProperty(
        "kubernetes.request.retry.backoffLimit", "0"); // fabric8 would retry for ~20 s
    CliRun run = CliRun.of("iptables", "--kubernetes", "--pod", "e2e/server", "--wait", "1s");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err().strip())
        .startsWith("telmesh: error: cannot read pod e2e/server from the Kubernetes API: ")
        .doesNotContain("\n");
  }

  @Test
  void kubernetesExcludesManifestsAndFlagsMode() {
    CliRun both =
        CliRun.of(
            "bootstrap",
            "--kubernetes",
            "--manifests",
            "/tmp",
            "--pod",
            "e2e/server",
            "--xds-address",
            "10.96.0.10:15010");
    assertThat(both.exitCode()).as("a wrong command line").isEqualTo(2);
    assertThat(both.err().strip())
        .isEqualTo(
            "telmesh: --manifests and --kubernetes exclude each other"
                + " (see 'telmesh bootstrap --help')");
    CliRun flags = CliRun.of("iptables", "--kubernetes", "-b", "*");
    assertThat(flags.exitCode()).isEqualTo(2);
    assertThat(flags.err().strip())
        .isEqualTo(
            "telmesh: --kubernetes only applies with --pod (flags mode reads no manifests)"
                + " (see 'telmesh iptables --help')");
  }

  @Test
  void badIdleTimeoutIsAOneLineError() {
    CliRun run =
        CliRun.of(
            "bootstrap",
            "--pod",
            "telco/amf-0",
            "--xds-address",
            "10.96.0.10:15010",
            "--idle-timeout",
            "30 seconds");
    assertThat(run.exitCode()).as("a wrong command line").isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().strip())
        .isEqualTo(
            "telmesh: --idle-timeout: '30 seconds' is not a duration like 30s, 5m or 1h"
                + " (see 'telmesh bootstrap --help')");
  }
}
