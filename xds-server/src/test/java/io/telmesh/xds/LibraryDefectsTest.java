package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.resources.ProxyResources;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.ManualSource;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.Objects;
import io.telmesh.testing.SentRecorder;
import io.telmesh.testing.StockServer;
import io.telmesh.translate.Translator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * java-control-plane 1.0.49's defects (reference/java.md), each shown against the stock library
 * (SimpleCache, V3DiscoveryServer defaults) and shown neutralised in telmesh's server. If a future
 * library version fixes one, its "stock" assertion fails and this test says so.
 */
class LibraryDefectsTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration WINDOW = Duration.ofMillis(1000);
  static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  static final String HSS_EDS = "outbound|3868||hss.telco.svc.cluster.local";
  static final String SMF_EDS = "outbound|8080||smf.telco.svc.cluster.local";

  private KubeObjects demo;
  private ProxyResources amf;
  private StockServer stock;
  private ManualSource source;
  private SentRecorder recorder;
  private TelmeshServer telmesh;

  @BeforeEach
  void start() throws Exception {
    demo = Meshes.objects(Meshes.demoDir());
    amf =
        Translator.prepare(MeshStateBuilder.build(demo))
            .forProxy(io.telmesh.node.ProxyNode.from(AMF));
    stock = new StockServer();
    stock.setSnapshot(AMF.getId(), amf, "v1");
    source = new ManualSource(demo);
    recorder = new SentRecorder();
    telmesh =
        new TelmeshServer(
                new ServerOptions(
                    "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                source,
                List.of(recorder))
            .start();
    assertThat(telmesh.pipeline().awaitReady(WAIT)).isTrue();
  }

  @AfterEach
  void stop() throws Exception {
    stock.close();
    telmesh.close();
  }

  /** A client that NACKs every LDS response, as Envoy does with config it cannot load. */
  private static int responsesToAlwaysNackingClient(int port) throws Exception {
    try (AdsClient client = new AdsClient(port);
        AdsClient.Sotw ads = client.sotw().nodeOnEveryRequest(AMF)) {
      ads.request(AMF, TypeUrls.LISTENER, List.of());
      int responses = 0;
      long end = System.nanoTime() + WINDOW.toNanos();
      while (System.nanoTime() < end) {
        DiscoveryResponse response;
        try {
          response =
              ads.next(Duration.ofMillis(Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        } catch (AssertionError timeout) {
          break;
        }
        responses++;
        ads.nack(response, "", List.of(), "cannot load listener");
      }
      return responses;
    }
  }

  @Test
  void defect1_noResendLoopAfterANack() throws Exception {
    assertThat(responsesToAlwaysNackingClient(stock.port()))
        .as("stock re-sends the rejected config in a loop")
        .isGreaterThan(20);
    assertThat(responsesToAlwaysNackingClient(telmesh.xdsPort()))
        .as("telmesh sends it once")
        .isEqualTo(1);
  }

  @Test
  void defect2_missingResourcesAreAnswered() throws Exception {
    try (AdsClient client = new AdsClient(stock.port());
        AdsClient.Sotw ads = client.sotw().nodeOnEveryRequest(AMF)) {
      ads.request(
          AMF, TypeUrls.ENDPOINT, List.of("outbound|1||later.telco.svc.cluster.local", HSS_EDS));
      assertThat(ads.drain(WINDOW)).as("stock: no answer while one name is missing").isEmpty();
    }
    try (AdsClient client = new AdsClient(telmesh.xdsPort());
        AdsClient.Sotw ads = client.sotw()) {
      ads.request(
          AMF, TypeUrls.ENDPOINT, List.of("outbound|1||later.telco.svc.cluster.local", HSS_EDS));
      assertThat(ads.next(WAIT).getResourcesCount())
          .as("telmesh answers with what exists")
          .isEqualTo(1);
    }
  }

  @Test
  void defect3_unknownTypeUrlsDoNotKillTheStream() throws Exception {
    String debugType = "istio.io/debug/syncz";
    try (AdsClient client = new AdsClient(stock.port());
        AdsClient.Sotw ads = client.sotw().nodeOnEveryRequest(AMF)) {
      ads.request(AMF, debugType, List.of());
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build());
      List<DiscoveryResponse> answers = ads.drain(WINDOW);
      boolean broken =
          ads.closed().isDone()
              || answers.stream().noneMatch(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER));
      assertThat(broken).as("stock: the stream dies or stops answering").isTrue();
    }
    try (AdsClient client = new AdsClient(telmesh.xdsPort());
        AdsClient.Sotw ads = client.sotw()) {
      ads.request(AMF, debugType, List.of());
      assertThat(ads.next(WAIT).getTypeUrl()).isEqualTo(debugType);
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build());
      assertThat(ads.next(TypeUrls.CLUSTER, WAIT).getResourcesCount()).isPositive();
      assertThat(ads.closed()).isNotDone();
    }
  }

  /**
   * Subscribes to all four types, ACKs, then reports which types come again after an endpoint
   * change.
   */
  private Set<String> typesResentAfterEndpointChange(int port, Runnable change) throws Exception {
    try (AdsClient client = new AdsClient(port);
        AdsClient.Sotw ads = client.sotw().nodeOnEveryRequest(AMF)) {
      ads.request(AMF, TypeUrls.CLUSTER, List.of());
      ads.ack(ads.next(TypeUrls.CLUSTER, WAIT), List.of());
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
      ads.ack(ads.next(TypeUrls.LISTENER, WAIT), List.of());
      ads.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addResourceNames(SMF_EDS)
              .build());
      ads.ack(ads.next(TypeUrls.ENDPOINT, WAIT), List.of(SMF_EDS));
      ads.drain(Duration.ofMillis(300));
      change.run();
      return ads.drain(WINDOW).stream()
          .map(DiscoveryResponse::getTypeUrl)
          .map(TypeUrls::shortName)
          .collect(Collectors.toSet());
    }
  }

  @Test
  void defect4_versionsPerTypeSoAnEndpointChangeSendsEdsOnly() throws Exception {
    KubeObjects changed = Objects.firstEndpointNotReady(demo, "smf-9dl2c");
    ProxyResources after =
        Translator.prepare(MeshStateBuilder.build(changed))
            .forProxy(io.telmesh.node.ProxyNode.from(AMF));
    assertThat(
            typesResentAfterEndpointChange(
                stock.port(), () -> stock.setSnapshot(AMF.getId(), after, "v2")))
        .as("stock: one version for all types re-sends everything")
        .contains("CDS", "LDS", "EDS");
    assertThat(typesResentAfterEndpointChange(telmesh.xdsPort(), () -> source.publish(changed)))
        .as("telmesh: EDS only")
        .containsExactly("EDS");
  }

  @Test
  void defect5_fanOutIsOffTheSourceThread() throws Exception {
    try (AdsClient client = new AdsClient(stock.port());
        AdsClient.Sotw ads = client.sotw().nodeOnEveryRequest(AMF)) {
      ads.request(AMF, TypeUrls.CLUSTER, List.of());
      ads.ack(ads.next(TypeUrls.CLUSTER, WAIT), List.of());
      // The library opens the watch the push answers when it handles the ACK: wait for it, or
      // the response would leave on the ACK's thread and say nothing about the push's.
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (stock.cache.statusInfo(AMF.getId()) == null
          || stock.cache.statusInfo(AMF.getId()).numWatches() == 0) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("the stock library never opened a watch after the ACK");
        }
        Thread.sleep(10);
      }
      Thread source = new Thread(() -> stock.setSnapshot(AMF.getId(), amf, "v2"), "source-thread");
      source.start();
      source.join();
      ads.next(TypeUrls.CLUSTER, WAIT);
      assertThat(stock.sent.get(stock.sent.size() - 1).thread())
          .as("stock sends on the caller's thread")
          .isEqualTo("source-thread");
    }
    try (AdsClient client = new AdsClient(telmesh.xdsPort());
        AdsClient.Sotw ads = client.sotw()) {
      ads.request(AMF, TypeUrls.CLUSTER, List.of());
      ads.ack(ads.next(TypeUrls.CLUSTER, WAIT), List.of());
      KubeObjects changed =
          Objects.withService(
              demo,
              new io.fabric8.kubernetes.api.model.ServiceBuilder()
                  .withNewMetadata()
                  .withName("x")
                  .withNamespace("telco")
                  .endMetadata()
                  .withNewSpec()
                  .withClusterIP("10.96.0.98")
                  .addNewPort()
                  .withName("tcp-x")
                  .withPort(1234)
                  .endPort()
                  .endSpec()
                  .build());
      Thread source = new Thread(() -> this.source.publish(changed), "source-thread");
      source.start();
      source.join();
      ads.next(TypeUrls.CLUSTER, WAIT);
      assertThat(recorder.sent)
          .isNotEmpty()
          .allSatisfy(s -> assertThat(s.thread()).startsWith("xds-send-"));
    }
  }

  @Test
  void defect6_serializedResourcesAreSharedAcrossStreams() throws Exception {
    for (AdsClient client :
        List.of(new AdsClient(stock.port()), new AdsClient(telmesh.xdsPort()))) {
      try (client;
          AdsClient.Sotw first = client.sotw().nodeOnEveryRequest(AMF);
          AdsClient.Sotw second = client.sotw().nodeOnEveryRequest(AMF)) {
        first.request(AMF, TypeUrls.CLUSTER, List.of());
        first.next(TypeUrls.CLUSTER, WAIT);
        second.request(AMF, TypeUrls.CLUSTER, List.of());
        second.next(TypeUrls.CLUSTER, WAIT);
      }
    }
    List<StockServer.Sent> stockCds =
        stock.sent.stream()
            .filter(s -> s.response().getTypeUrl().equals(TypeUrls.CLUSTER))
            .toList();
    assertThat(stockCds.get(0).response().getResources(0))
        .as("stock re-packs each resource for each stream")
        .isNotSameAs(stockCds.get(1).response().getResources(0));
    List<SentRecorder.Sent> ours =
        recorder.sent.stream()
            .filter(s -> s.response().getTypeUrl().equals(TypeUrls.CLUSTER))
            .toList();
    assertThat(ours).hasSize(2);
    assertThat(ours.get(0).response().getResourcesCount()).isPositive();
    assertThat(((EncodedResponse) ours.get(0).message()).resources())
        .as("telmesh sends both streams the same encoded resources")
        .isSameAs(((EncodedResponse) ours.get(1).message()).resources());
  }

  /** How many listeners a delta client that reconnects, saying what it has, is sent again. */
  private static int listenersResentOnReconnect(int port) throws Exception {
    Map<String, String> have = new java.util.HashMap<>();
    try (AdsClient client = new AdsClient(port)) {
      try (AdsClient.Delta delta = client.delta()) {
        delta.subscribe(AMF, TypeUrls.LISTENER, List.of());
        var response = delta.next(TypeUrls.LISTENER, WAIT);
        response.getResourcesList().forEach(r -> have.put(r.getName(), r.getVersion()));
        delta.ack(response);
      }
      try (AdsClient.Delta again = client.delta()) {
        again.send(
            io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest.newBuilder()
                .setNode(AMF)
                .setTypeUrl(TypeUrls.LISTENER)
                .putAllInitialResourceVersions(have)
                .build());
        return again.drain(WINDOW).stream().mapToInt(r -> r.getResourcesCount()).sum();
      }
    }
  }

  @Test
  void reconnectingDeltaClientsAreNotSentWhatTheyHave() throws Exception {
    assertThat(listenersResentOnReconnect(stock.port()))
        .as("stock ignores initial_resource_versions")
        .isEqualTo(amf.listeners().size());
    assertThat(listenersResentOnReconnect(telmesh.xdsPort()))
        .as("telmesh sends only what changed")
        .isZero();
  }

  /** Envoy can send the node on a stream's first request only (Istio's bootstraps ask it to). */
  @Test
  void nodeOnTheFirstRequestOnlyIsEnough() throws Exception {
    for (int port : new int[] {stock.port(), telmesh.xdsPort()}) {
      try (AdsClient client = new AdsClient(port);
          AdsClient.Sotw ads = client.sotw()) {
        ads.request(AMF, TypeUrls.CLUSTER, List.of());
        ads.ack(ads.next(TypeUrls.CLUSTER, WAIT), List.of());
        ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
        List<DiscoveryResponse> answers = ads.drain(WINDOW);
        if (port == stock.port()) {
          assertThat(answers)
              .as("stock looks the node-less request up under an empty node id")
              .isEmpty();
        } else {
          assertThat(answers)
              .extracting(DiscoveryResponse::getTypeUrl)
              .containsExactly(TypeUrls.LISTENER);
        }
      }
    }
  }

  @Test
  void aMalformedRequestEndsOnlyItsOwnStream() throws Exception {
    try (AdsClient client = new AdsClient(telmesh.xdsPort());
        AdsClient.Sotw good = client.sotw();
        AdsClient.Sotw bad = client.sotw()) {
      good.request(AMF, TypeUrls.CLUSTER, List.of());
      good.ack(good.next(TypeUrls.CLUSTER, WAIT), List.of());
      bad.request(AMF, "", List.of());
      assertThat(bad.closed().get().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      good.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
      assertThat(good.next(TypeUrls.LISTENER, WAIT).getResourcesCount()).isPositive();
    }
  }
}
