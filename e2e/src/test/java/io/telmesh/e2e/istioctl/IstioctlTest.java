package io.telmesh.e2e.istioctl;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.source.StaticSource;
import io.telmesh.status.ProxyStatusTracker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * istioctl, built from istio.io/istio (a client nobody here wrote), pointed at telmesh as at istiod
 * ({@code --xds-address HOST:PORT --plaintext}, and {@code -r default} where istioctl would
 * otherwise wait for a cluster): three sidecars are connected, a state-of-the-world one that ACKs,
 * a delta one, and one that NACKs its listeners.
 */
class IstioctlTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

  private static Istioctl istioctl;
  private static TelmeshServer server;
  private static ManagedChannel channel;
  private static final List<StreamObserver<?>> streams = new ArrayList<>();
  @TempDir static Path home;

  @BeforeAll
  static void start() throws Exception {
    server =
        new TelmeshServer(
                new ServerOptions(
                    "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                StaticSource.bundledDemo())
            .start();
    if (!server.pipeline().awaitReady(WAIT)) {
      throw new IllegalStateException("telmesh not ready");
    }
    istioctl = new Istioctl(home, "127.0.0.1", server.xdsPort());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    sotwSidecar(node("amf-0", "10.244.1.10"), false);
    sotwSidecar(node("smf-0", "10.244.1.11"), true);
    deltaSidecar(node("hss-0", "10.244.2.20"));
    // Answers are handled on each stream's executor: wait until telmesh has taken them all in.
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!(status("amf-0", LDS).synced()
            && status("smf-0", LDS).nacked()
            && status("hss-0", CDS).synced())
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static ProxyStatusTracker.TypeStatus status(String pod, String type) {
    String id =
        server.registry().connections().stream()
            .map(c -> c.node().id())
            .filter(n -> n.contains("~" + pod + "."))
            .findFirst()
            .orElse("");
    ProxyStatusTracker.TypeStatus status = server.tracker().status(id).get(type);
    return status != null
        ? status
        : new ProxyStatusTracker.TypeStatus(
            java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty());
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void proxyStatusListsEverySidecarWithIstiosColumns() throws Exception {
    String table = istioctl.run("proxy-status", "-r", "default");
    assertThat(table.lines().findFirst().orElse(""))
        .contains("NAME", "CLUSTER", "ISTIOD", "VERSION", "SUBSCRIBED TYPES");
    assertThat(table).contains("amf-0.telco", "smf-0.telco", "hss-0.telco", "1.24.0");
    assertThat(istioctl.run("proxy-status", "-r", "default", "-n", "other"))
        .doesNotContain("amf-0.telco");
    assertThat(istioctl.run("proxy-status", "-r", "default", "-n", "telco"))
        .contains("hss-0.telco");
  }

  @Test
  void verboseProxyStatusShowsEachTypeAndTheNack() throws Exception {
    String table = istioctl.run("proxy-status", "-r", "default", "-v", "1");
    String amf = Istioctl.row(table, "amf-0.telco");
    String smf = Istioctl.row(table, "smf-0.telco");
    assertThat(amf).contains("SYNCED");
    assertThat(amf).doesNotContain("ERROR");
    assertThat(smf).as("smf NACKed its listeners").contains("ERROR");
    assertThat(Istioctl.row(table, "hss-0.telco"))
        .as("the delta sidecar ACKed CDS")
        .contains("SYNCED");
  }

  @Test
  void proxyStatusAsJson() throws Exception {
    String json = istioctl.run("proxy-status", "-r", "default", "-o", "json");
    assertThat(json).contains("\"amf-0.telco\"").contains("ClientConfig");
  }

  @Test
  void proxyStatusOfOnePodComparesAConfigDumpWithWhatTelmeshSent() throws Exception {
    Path dump = home.resolve("amf-0.json");
    Files.writeString(dump, configDump("amf-0.telco"), StandardCharsets.UTF_8);
    String same =
        istioctl.run("proxy-status", "amf-0.telco", "--file", dump.toString(), "-r", "default");
    assertThat(same)
        .contains("Clusters Match")
        .contains("Listeners Match")
        .contains("Routes Match");

    Path other = home.resolve("smf-0-as-amf-0.json");
    Files.writeString(other, configDump("smf-0.telco"), StandardCharsets.UTF_8);
    String different =
        istioctl.run("proxy-status", "amf-0.telco", "--file", other.toString(), "-r", "default");
    assertThat(different).contains("Listeners Don't Match");
  }

  @Test
  void versionNamesTheControlPlaneAndTheProxies() throws Exception {
    String version = istioctl.run("x", "version");
    assertThat(version).contains("control plane version: " + TelmeshServer.version());
    assertThat(version).contains("data plane version: 1.24.0 (3 proxies)");
  }

  @Test
  void internalDebugServesIstiodsPages() throws Exception {
    assertThat(istioctl.run("x", "internal-debug", "syncz", "-r", "default"))
        .contains("\"proxy\": \"amf-0.telco\"");
    assertThat(istioctl.run("x", "internal-debug", "--list", "-r", "default"))
        .contains("syncz", "config_dump", "adsz");
    assertThat(istioctl.run("x", "internal-debug", "no-such-page", "-r", "default"))
        .contains("please check all supported internal debug commands")
        .contains("syncz");
  }

  /** What telmesh sent a proxy, as `telmesh dump` prints it: Envoy's /config_dump layout. */
  private static String configDump(String proxy) throws Exception {
    BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<DiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(collect(responses));
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(
                Node.newBuilder()
                    .setId("sidecar~~test-1.istio-system~istio-system.svc.cluster.local")
                    .setMetadata(metadata(Map.of("GENERATOR", "event"))))
            .setTypeUrl("istio.io/debug/config_dump")
            .addResourceNames(proxy)
            .build());
    DiscoveryResponse response = responses.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    requests.onCompleted();
    assertThat(response).isNotNull();
    return EnvoyTypes.printer()
        .print(ConfigDump.newBuilder().addAllConfigs(response.getResourcesList()).build());
  }

  private static Node node(String pod, String ip) {
    return Node.newBuilder()
        .setId("sidecar~" + ip + "~" + pod + ".telco~telco.svc.cluster.local")
        .setMetadata(
            metadata(
                Map.of(
                    "NAMESPACE", "telco", "CLUSTER_ID", "Kubernetes", "ISTIO_VERSION", "1.24.0")))
        .build();
  }

  private static Struct metadata(Map<String, String> values) {
    Struct.Builder struct = Struct.newBuilder();
    values.forEach((k, v) -> struct.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return struct.build();
  }

  /** An Envoy-like SotW sidecar: CDS then LDS, ACKing each (or NACKing LDS). */
  private static void sotwSidecar(Node node, boolean nackListeners) throws Exception {
    BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<DiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(collect(responses));
    streams.add(requests);
    requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
    DiscoveryResponse cds = responses.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(cds).isNotNull();
    requests.onNext(answer(cds, false));
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(LDS).build());
    DiscoveryResponse lds = responses.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(lds).isNotNull();
    requests.onNext(answer(lds, nackListeners));
  }

  private static DiscoveryRequest answer(DiscoveryResponse response, boolean nack) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .setVersionInfo(nack ? "" : response.getVersionInfo());
    if (nack) {
      request.setErrorDetail(
          com.google.rpc.Status.newBuilder()
              .setCode(3)
              .setMessage("listener rejected for the test"));
    }
    return request.build();
  }

  /** A delta sidecar that subscribes to CDS by wildcard and ACKs. */
  private static void deltaSidecar(Node node) throws Exception {
    BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<DeltaDiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(collect(responses));
    streams.add(requests);
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
    DeltaDiscoveryResponse cds = responses.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(cds).isNotNull();
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(CDS)
            .setResponseNonce(cds.getNonce())
            .build());
  }

  private static <T> StreamObserver<T> collect(BlockingQueue<T> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
