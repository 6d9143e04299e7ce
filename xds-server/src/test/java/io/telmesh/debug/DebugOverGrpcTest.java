package io.telmesh.debug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientConfig.GenericXdsConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.envoyproxy.envoy.type.matcher.v3.NodeMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.telmesh.proto.v1.CapturePlan;
import io.telmesh.proto.v1.ProblemReport;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker.TypeStatus;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two sidecars (one ACKs everything, one NACKs its listeners), then CSDS and Istio's debug types
 * read back what each was sent and how it answered.
 */
class DebugOverGrpcTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Node AMF =
      Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of("ISTIO_VERSION", "1.23.2"));
  static final Node HSS =
      Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of("ISTIO_VERSION", "1.23.2"));
  static final Node ISTIOCTL =
      Nodes.envoyNode("test-1", "default", "10.0.0.1", Map.of("GENERATOR", "event"));
  static final String NACK = "error adding listener '0.0.0.0:15006': the test says no";

  private TestServer server;
  private AdsClient client;
  private AdsClient.Sotw amf;
  private AdsClient.Sotw hss;
  private DiscoveryResponse amfLds;
  private DiscoveryResponse amfCds;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = new TestServer(Meshes.objects(Meshes.demoDir()));
    client = server.client();
    amf = client.sotw();
    amf.request(AMF, TypeUrls.CLUSTER, List.of());
    amfCds = amf.next(TypeUrls.CLUSTER, WAIT);
    amf.ack(amfCds, List.of());
    amf.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
    amfLds = amf.next(TypeUrls.LISTENER, WAIT);
    amf.ack(amfLds, List.of());
    hss = client.sotw();
    hss.request(HSS, TypeUrls.LISTENER, List.of());
    DiscoveryResponse hssLds = hss.next(TypeUrls.LISTENER, WAIT);
    hss.nack(hssLds, "", List.of(), NACK);
    amf.drain(Duration.ofMillis(300));
    server.await(AMF.getId(), TypeUrls.CLUSTER, TypeStatus::synced);
    server.await(AMF.getId(), TypeUrls.LISTENER, TypeStatus::synced);
    server.await(HSS.getId(), TypeUrls.LISTENER, TypeStatus::nacked);
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port())
            .usePlaintext()
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
  }

  @AfterEach
  void stop() throws Exception {
    amf.close();
    hss.close();
    client.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  private static GenericXdsConfig entry(ClientConfig config, String type, String name) {
    return config.getGenericXdsConfigsList().stream()
        .filter(c -> c.getTypeUrl().equals(type) && c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private ClientStatusResponse csds(NodeMatcher... matchers) {
    return ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .fetchClientStatus(
            ClientStatusRequest.newBuilder().addAllNodeMatchers(List.of(matchers)).build());
  }

  @Test
  void csdsReportsPerResourceStatusVersionsAndNackDetails() throws Exception {
    ClientStatusResponse all = csds();
    assertThat(all.getConfigList())
        .extracting(c -> c.getNode().getId())
        .containsExactlyInAnyOrder(AMF.getId(), HSS.getId());

    ClientConfig amfConfig =
        csds(NodeMatcher.newBuilder()
                .setNodeId(StringMatcher.newBuilder().setExact(AMF.getId()))
                .build())
            .getConfig(0);
    assertThat(amfConfig.getNode()).isEqualTo(AMF);
    GenericXdsConfig inbound = entry(amfConfig, TypeUrls.LISTENER, "virtualInbound");
    assertThat(inbound.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
    assertThat(inbound.getConfigStatus()).isEqualTo(ConfigStatus.SYNCED);
    Any sent =
        amfLds.getResourcesList().stream()
            .filter(a -> unpack(a).getName().equals("virtualInbound"))
            .findFirst()
            .orElseThrow();
    assertThat(inbound.getXdsConfig()).as("the resource exactly as sent").isEqualTo(sent);
    assertThat(inbound.getVersionInfo()).matches("[0-9a-f]{16}");
    assertThat(inbound.hasLastUpdated()).isTrue();
    assertThat(entry(amfConfig, TypeUrls.CLUSTER, "inbound|8080||").getClientStatus())
        .isEqualTo(ClientResourceStatus.ACKED);

    ClientConfig hssConfig =
        csds(NodeMatcher.newBuilder()
                .setNodeId(StringMatcher.newBuilder().setPrefix("sidecar~10.244.2.20~hss"))
                .build())
            .getConfig(0);
    GenericXdsConfig rejected = entry(hssConfig, TypeUrls.LISTENER, "virtualInbound");
    assertThat(rejected.getClientStatus()).isEqualTo(ClientResourceStatus.NACKED);
    assertThat(rejected.getConfigStatus()).isEqualTo(ConfigStatus.ERROR);
    assertThat(rejected.getErrorState().getDetails()).isEqualTo(NACK);
    assertThat(rejected.getErrorState().getVersionInfo()).isNotEmpty();
    assertThat(rejected.hasXdsConfig()).as("nothing was ever accepted").isFalse();
  }

  @Test
  void csdsReportsWhatADeltaSidecarWasSentAndAcked() throws Exception {
    Node db = Nodes.envoyNode("db-0", "telco", "10.244.3.30", Map.of());
    try (AdsClient.Delta delta = client.delta()) {
      delta.subscribe(db, TypeUrls.CLUSTER, List.of());
      DeltaDiscoveryResponse cds = delta.next(TypeUrls.CLUSTER, WAIT);
      delta.ack(cds);
      Resource sent =
          cds.getResourcesList().stream()
              .filter(r -> r.getName().equals("inbound|9042||"))
              .findFirst()
              .orElseThrow();
      GenericXdsConfig entry = null;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        ClientStatusResponse status =
            csds(
                NodeMatcher.newBuilder()
                    .setNodeId(StringMatcher.newBuilder().setExact(db.getId()))
                    .build());
        if (status.getConfigCount() == 1) {
          entry = entry(status.getConfig(0), TypeUrls.CLUSTER, sent.getName());
          if (entry.getClientStatus() == ClientResourceStatus.ACKED) {
            break;
          }
        }
        Thread.sleep(50);
      }
      assertThat(entry).isNotNull();
      assertThat(entry.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
      assertThat(entry.getConfigStatus()).isEqualTo(ConfigStatus.SYNCED);
      assertThat(entry.getXdsConfig())
          .as("the resource exactly as sent")
          .isEqualTo(sent.getResource());
    }
  }

  @Test
  void csdsMatchersSelectAndMalformedOnesAreInvalidArgument() {
    assertThat(
            csds(NodeMatcher.newBuilder()
                    .setNodeId(
                        StringMatcher.newBuilder()
                            .setSafeRegex(
                                RegexMatcher.newBuilder().setRegex(".*~hss-0\\.telco~.*")))
                    .build())
                .getConfigList())
        .extracting(c -> c.getNode().getId())
        .containsExactly(HSS.getId());
    assertThat(
            csds(NodeMatcher.newBuilder()
                    .setNodeId(StringMatcher.newBuilder().setExact("nobody"))
                    .build())
                .getConfigList())
        .isEmpty();
    assertThatThrownBy(
            () ->
                csds(
                    NodeMatcher.newBuilder().setNodeId(StringMatcher.getDefaultInstance()).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .contains("node_matchers[0].node_id")
                  .contains("no match pattern");
            });
    assertThatThrownBy(
            () ->
                csds(
                    NodeMatcher.newBuilder()
                        .setNodeId(
                            StringMatcher.newBuilder()
                                .setSafeRegex(RegexMatcher.newBuilder().setRegex("(unclosed")))
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  /** {@code istioctl x internal-debug PAGE}: one page per request, the body in one Any. */
  private String internal(String page) throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug", List.of(page));
      DiscoveryResponse response = debug.next(WAIT);
      assertThat(response.getResourcesList()).hasSize(1);
      assertThat(response.getResources(0).getTypeUrl()).isEqualTo("istio.io/debug");
      return response.getResources(0).getValue().toStringUtf8();
    }
  }

  @Test
  void internalDebugPagesAnswerAsIstiodsDo() throws Exception {
    JsonMapper json = JsonMapper.builder().build();
    assertThat(json.readTree(internal("list")).valueStream().map(JsonNode::asString).toList())
        .contains("adsz", "config_dump", "list", "problemz", "syncz");
    JsonNode syncz = json.readTree(internal("syncz"));
    assertThat(syncz.valueStream().map(n -> n.path("proxy").asString()).toList())
        .containsExactly("amf-0.telco", "hss-0.telco");
    assertThat(syncz.get(0).path("cluster_acked").asString())
        .as("amf ACKed its CDS response")
        .isEqualTo(syncz.get(0).path("cluster_sent").asString())
        .isNotEmpty();
    assertThat(json.readTree(internal("syncz?namespace=other")).isEmpty()).isTrue();
    assertThat(internal("config_dump?proxyID=amf-0.telco"))
        .contains("ListenersConfigDump")
        .contains("virtualInbound");
    assertThat(internal("config_dump")).isEqualTo("You must provide a proxyID in the query string");
    assertThat(internal("nonsense")).isEqualTo("404 page not found\n");
  }

  @Test
  void aDebugRequestThatCannotBeAnsweredEndsTheStreamSayingWhy() throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug", List.of());
      assertThat(debug.closed().get(10, TimeUnit.SECONDS))
          .satisfies(
              status -> {
                assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(status.getDescription()).contains("exactly one debug request");
              });
    }
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug/nonsense\nforged", List.of());
      assertThat(debug.closed().get(10, TimeUnit.SECONDS))
          .satisfies(
              status -> {
                assertThat(status.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                assertThat(status.getDescription())
                    .contains("istio.io/debug/nonsense?forged")
                    .contains("istio.io/debug/syncz");
              });
    }
  }

  @Test
  void syncz() throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug/syncz", List.of());
      DiscoveryResponse syncz = debug.next(WAIT);
      assertThat(syncz.getControlPlane().getIdentifier())
          .contains("\"Component\":\"telmesh\"")
          .contains("version");
      Map<String, ClientConfig> byName = new java.util.HashMap<>();
      for (Any any : syncz.getResourcesList()) {
        ClientConfig config = any.unpack(ClientConfig.class);
        byName.put(config.getNode().getId(), config);
      }
      assertThat(byName).containsOnlyKeys("amf-0.telco", "hss-0.telco");
      ClientConfig amfStatus = byName.get("amf-0.telco");
      assertThat(
              amfStatus.getNode().getMetadata().getFieldsOrThrow("ISTIO_VERSION").getStringValue())
          .isEqualTo("1.23.2");
      assertThat(amfStatus.getGenericXdsConfigsList())
          .extracting(GenericXdsConfig::getTypeUrl)
          .containsExactly(TypeUrls.CLUSTER, TypeUrls.LISTENER);
      assertThat(amfStatus.getGenericXdsConfigsList())
          .allSatisfy(c -> assertThat(c.getConfigStatus()).isEqualTo(ConfigStatus.SYNCED));
      assertThat(amfStatus.getGenericXdsConfigs(1).getVersionInfo())
          .isEqualTo(amfLds.getVersionInfo());
      GenericXdsConfig hssLds = byName.get("hss-0.telco").getGenericXdsConfigs(0);
      assertThat(hssLds.getConfigStatus()).isEqualTo(ConfigStatus.ERROR);
      assertThat(hssLds.getErrorState().getDetails()).isEqualTo(NACK);
    }
  }

  @Test
  void configDumpHoldsExactlyWhatTheSidecarReceived() throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug/config_dump", List.of("amf-0.telco"));
      DiscoveryResponse dump = debug.next(WAIT);
      ListenersConfigDump listeners =
          dump.getResourcesList().stream()
              .filter(a -> a.is(ListenersConfigDump.class))
              .findFirst()
              .orElseThrow()
              .unpack(ListenersConfigDump.class);
      assertThat(listeners.getVersionInfo()).isEqualTo(amfLds.getVersionInfo());
      assertThat(listeners.getDynamicListenersList())
          .extracting(l -> l.getActiveState().getListener())
          .containsExactlyInAnyOrderElementsOf(amfLds.getResourcesList());
      assertThat(listeners.getDynamicListenersList())
          .allSatisfy(
              l -> {
                assertThat(l.getActiveState().getVersionInfo()).matches("[0-9a-f]{16}");
                assertThat(l.getActiveState().hasLastUpdated()).isTrue();
              });
      ClustersConfigDump clusters =
          dump.getResourcesList().stream()
              .filter(a -> a.is(ClustersConfigDump.class))
              .findFirst()
              .orElseThrow()
              .unpack(ClustersConfigDump.class);
      assertThat(clusters.getDynamicActiveClustersList())
          .extracting(c -> c.getCluster())
          .containsExactlyInAnyOrderElementsOf(amfCds.getResourcesList());

      // an unknown pod: empty answer, the stream stays open
      debug.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl("istio.io/debug/config_dump")
              .addResourceNames("ghost-0.telco")
              .build());
      assertThat(debug.next(WAIT).getResourcesCount()).isZero();
      assertThat(debug.closed()).isNotDone();
    }
    assertThat(amf.drain(Duration.ofMillis(300)))
        .as("the sidecar's stream is not disturbed")
        .isEmpty();
  }

  @Test
  void telmeshDebugTypesCaptureAndProblems() throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "telmesh.io/debug/capture", List.of("hss-0.telco"));
      CapturePlan plan = debug.next(WAIT).getResources(0).unpack(CapturePlan.class);
      assertThat(plan.toString()).contains("hss-0").contains("net1").contains("SCTP");
      debug.send(DiscoveryRequest.newBuilder().setTypeUrl("telmesh.io/debug/problems").build());
      ProblemReport report = debug.next(WAIT).getResources(0).unpack(ProblemReport.class);
      assertThat(report.getProblemsList())
          .anySatisfy(p -> assertThat(p.getName()).isEqualTo("dra-0"));
      debug.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl("telmesh.io/debug/capture")
              .addResourceNames("nobody.telco")
              .build());
      assertThat(debug.next(WAIT).getResourcesCount()).isZero();
    }
  }

  private static Listener unpack(Any any) {
    try {
      return any.unpack(Listener.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
