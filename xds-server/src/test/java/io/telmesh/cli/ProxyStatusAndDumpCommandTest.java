package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker.TypeStatus;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.TestServer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code telmesh proxy-status} and {@code telmesh dump} against a running server. */
class ProxyStatusAndDumpCommandTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final String NACK =
      "listener 'virtualInbound' rejected: the demo of a NACK with a long reason";
  static TestServer server;
  static AdsClient client;
  static AdsClient.Sotw amf;
  static AdsClient.Sotw hss;
  static DiscoveryResponse amfLds;

  @BeforeAll
  static void start() throws Exception {
    server = new TestServer(Meshes.objects(Meshes.demoDir()));
    client = server.client();
    Node amfNode =
        Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of("ISTIO_VERSION", "1.23.2"));
    amf = client.sotw();
    amf.request(amfNode, TypeUrls.LISTENER, List.of());
    amfLds = amf.next(TypeUrls.LISTENER, WAIT);
    amf.ack(amfLds, List.of());
    amf.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build());
    amf.ack(amf.next(TypeUrls.CLUSTER, WAIT), List.of());
    hss = client.sotw();
    hss.request(
        Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of()), TypeUrls.LISTENER, List.of());
    hss.nack(hss.next(TypeUrls.LISTENER, WAIT), "", List.of(), NACK);
    server.await(amfNode.getId(), TypeUrls.LISTENER, TypeStatus::synced);
    server.await(amfNode.getId(), TypeUrls.CLUSTER, TypeStatus::synced);
    server.await(
        "sidecar~10.244.2.20~hss-0.telco~telco.svc.cluster.local",
        TypeUrls.LISTENER,
        TypeStatus::nacked);
  }

  @AfterAll
  static void stop() throws Exception {
    amf.close();
    hss.close();
    client.close();
    server.close();
  }

  private static String address() {
    return "127.0.0.1:" + server.port();
  }

  @Test
  void proxyStatusTable() {
    CliRun run = CliRun.of("proxy-status", "--xds-address", address());
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).matches("NAME\\s+CDS\\s+LDS\\s+EDS\\s+RDS\\s+VERSION");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .matches(
                        "amf-0\\.telco\\s+SYNCED\\s+SYNCED\\s+NOT SENT\\s+NOT SENT\\s+1\\.23\\.2"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("hss-0.telco")
                    .contains("NACKED (" + NACK.substring(0, 40) + ")")
                    .endsWith("-"));
    assertThat(lines).hasSize(3);
  }

  @Test
  void proxyStatusJsonAddsVersions() {
    CliRun run = CliRun.of("proxy-status", "--xds-address", address(), "-o", "json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode json = JsonMapper.builder().build().readTree(run.out());
    JsonNode amfStatus =
        json.values().stream()
            .filter(n -> n.get("name").asString().equals("amf-0.telco"))
            .findFirst()
            .orElseThrow();
    assertThat(amfStatus.get("lds").get("status").asString()).isEqualTo("SYNCED");
    assertThat(amfStatus.get("lds").get("configVersion").asString())
        .isEqualTo(amfLds.getVersionInfo());
    JsonNode hssStatus =
        json.values().stream()
            .filter(n -> n.get("name").asString().equals("hss-0.telco"))
            .findFirst()
            .orElseThrow();
    assertThat(hssStatus.get("lds").get("error").asString()).isEqualTo(NACK);
  }

  @Test
  void dumpPrintsEnvoysConfigDumpLayout() throws Exception {
    CliRun run =
        CliRun.of(
            "dump", "--xds-address", address(), "--pod", "telco/amf-0", "--type", "listeners");
    assertThat(run.exitCode()).as(run.err()).isZero();
    ConfigDump.Builder parsed = ConfigDump.newBuilder();
    EnvoyTypes.parser().merge(run.out(), parsed);
    assertThat(parsed.getConfigsList())
        .singleElement()
        .satisfies(a -> assertThat(a.is(ListenersConfigDump.class)).isTrue());
    ListenersConfigDump listeners = parsed.getConfigs(0).unpack(ListenersConfigDump.class);
    assertThat(listeners.getDynamicListenersList())
        .extracting(l -> l.getActiveState().getListener())
        .containsExactlyInAnyOrderElementsOf(amfLds.getResourcesList());
    assertThat(run.out())
        .contains(
            "\"dynamic_listeners\"",
            "\"active_state\"",
            "\"@type\": \"type.googleapis.com/envoy.config.listener.v3.Listener\"");

    CliRun yaml =
        CliRun.of("dump", "--xds-address", address(), "--pod", "telco/amf-0", "-o", "yaml");
    assertThat(yaml.exitCode()).isZero();
    assertThat(yaml.out()).contains("dynamic_active_clusters:", "dynamic_listeners:");
  }

  @Test
  void theOfflineProxyConfigEqualsWhatTheServerSent() throws Exception {
    for (String type : List.of("listeners", "clusters")) {
      CliRun sent =
          CliRun.of("dump", "--xds-address", address(), "--pod", "telco/amf-0", "--type", type);
      CliRun offline = CliRun.of("proxy-config", "--pod", "telco/amf-0", "--type", type);
      assertThat(sent.exitCode()).as(sent.err()).isZero();
      assertThat(offline.exitCode()).as(offline.err()).isZero();
      // The same input, the same output: versions included; only send times are the server's.
      assertThat(offline.out())
          .as(type)
          .isEqualTo(sent.out().replaceAll(",\\n\\s*\"last_updated\": \"[^\"]*\"", ""));
    }
    CliRun endpoints = CliRun.of("proxy-config", "--pod", "telco/amf-0", "--type", "endpoints");
    assertThat(endpoints.out())
        .as("a headless Service's cluster is ORIGINAL_DST: an Envoy never asks for its endpoints")
        .doesNotContain("outbound|9042||db.telco.svc.cluster.local")
        .contains("outbound|8080||amf.telco.svc.cluster.local");
  }

  @Test
  void unknownPodAndUnreachableServerAreOneLineErrors() throws Exception {
    CliRun unknown = CliRun.of("dump", "--xds-address", address(), "--pod", "telco/ghost-0");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err().strip())
        .startsWith("telmesh: error:")
        .contains("ghost-0.telco is not connected")
        .doesNotContain("\n");
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    CliRun unreachable =
        CliRun.of("proxy-status", "--xds-address", "127.0.0.1:" + closed, "--timeout", "5");
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.err().strip())
        .startsWith("telmesh: error:")
        .contains("UNAVAILABLE")
        .doesNotContain("\n");
    assertThat(CliRun.of("proxy-status", "--xds-address", "no-port").err())
        .contains("is not HOST:PORT");
  }
}
