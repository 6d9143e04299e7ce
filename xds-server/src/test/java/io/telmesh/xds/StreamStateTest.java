package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.grpc.Status;
import io.telmesh.debug.DebugTypes;
import io.telmesh.kube.KubeObjects;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.Objects;
import io.telmesh.testing.ServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The xDS protocol's state belongs to a stream: nonces, ACKs and NACKs of one stream never touch
 * another's, even with the same node id (grpc-go opens one ADS stream per channel target, all with
 * the bootstrap's node id; a hot-restarting Envoy holds two).
 */
class StreamStateTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration QUIET = Duration.ofMillis(800);
  static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  static final String SMF = "outbound|8080||smf.telco.svc.cluster.local";
  static final String OCS = "outbound|3868||ocs.telco.svc.cluster.local";

  @RegisterExtension final ServerExtension server = ServerExtension.demo();

  @Test
  void aNackOnOneStreamIsNeitherResentNorHiddenWhileAnotherStreamOfTheNodeGetsPushes()
      throws Exception {
    try (AdsClient.Sotw a = server.client().sotw();
        AdsClient.Sotw b = server.client().sotw()) {
      a.request(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      DiscoveryResponse rejected = a.next(TypeUrls.ENDPOINT, WAIT);
      b.request(AMF, TypeUrls.ENDPOINT, List.of(OCS));
      DiscoveryResponse first = b.next(TypeUrls.ENDPOINT, WAIT);
      b.ack(first, List.of(OCS));
      a.nack(rejected, "", List.of(SMF), "endpoint rejected for the test");

      // Pushes for the other stream: ocs endpoints change twice.
      KubeObjects once = Objects.firstEndpointNotReady(server.objects(), "ocs-multus-n7q4w");
      server.publish(once);
      DiscoveryResponse second = b.next(TypeUrls.ENDPOINT, WAIT);
      b.ack(second, List.of(OCS));
      server.publish(server.objects());
      b.ack(b.next(TypeUrls.ENDPOINT, WAIT), List.of(OCS));

      assertThat(a.drain(QUIET)).as("the NACKed version is never sent again").isEmpty();
      assertThat(server.telmesh().tracker().status(AMF.getId()).get(TypeUrls.ENDPOINT).nacked())
          .as("the node's status shows the NACK although its other stream is synced")
          .isTrue();
      assertThat(server.telmesh().tracker().streams(AMF.getId())).isEqualTo(2);

      // New content for both: smf and ocs turn not ready. The NACKing stream gets it too.
      server.publish(
          Objects.firstEndpointNotReady(
              Objects.firstEndpointNotReady(server.objects(), "smf-9dl2c"), "ocs-multus-n7q4w"));
      DiscoveryResponse fresh = a.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(fresh.getVersionInfo()).isNotEqualTo(rejected.getVersionInfo());
      a.nack(fresh, "", List.of(SMF), "rejected again");
      b.nack(b.next(TypeUrls.ENDPOINT, WAIT), second.getVersionInfo(), List.of(OCS), "b too");
      assertThat(a.drain(QUIET)).isEmpty();
    }
    assertThat(nacks("EDS")).as("every NACK of every stream is counted").isEqualTo(3);
  }

  private static List<String> assignments(DiscoveryResponse response) throws Exception {
    List<String> names = new java.util.ArrayList<>();
    for (com.google.protobuf.Any any : response.getResourcesList()) {
      names.add(
          any.unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class)
              .getClusterName());
    }
    return names;
  }

  /**
   * SotW EDS and RDS answers carry only what changed against what the client ACKed (the protocol
   * allows it for types asked for by name): an endpoint change sends the one assignment, while LDS
   * and CDS stay whole; a restart of the type (no nonce) gets everything again.
   */
  @Test
  void endpointAnswersCarryOnlyWhatChangedSinceTheAck() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.ENDPOINT, List.of(SMF, OCS));
      DiscoveryResponse first = ads.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(assignments(first)).containsExactlyInAnyOrder(SMF, OCS);
      ads.ack(first, List.of(SMF, OCS));
      ads.request(AMF, TypeUrls.CLUSTER, List.of());
      DiscoveryResponse clusters = ads.next(TypeUrls.CLUSTER, WAIT);
      ads.ack(clusters, List.of());

      server.publish(Objects.firstEndpointNotReady(server.objects(), "smf-9dl2c"));
      DiscoveryResponse change = ads.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(assignments(change)).containsExactly(SMF);
      assertThat(change.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
      ads.ack(change, List.of(SMF, OCS));
      assertThat(ads.drain(QUIET)).as("an endpoint change leaves CDS alone").isEmpty();
      assertThat(server.telmesh().tracker().status(AMF.getId()).get(TypeUrls.ENDPOINT).synced())
          .isTrue();

      // The client restarts the type, holding nothing it can name: everything again.
      ads.request(AMF, TypeUrls.ENDPOINT, List.of(SMF, OCS));
      assertThat(assignments(ads.next(TypeUrls.ENDPOINT, WAIT)))
          .containsExactlyInAnyOrder(SMF, OCS);
    }
  }

  /**
   * An endpoint change is timed stage by stage (debounce, the proxy's wait in the push, its
   * stream's queue, change to send, change to ACK); a proxy connecting is answered, not converged.
   */
  @Test
  void anEndpointChangeIsTimedStageByStageAndAConnectingProxyIsNoConvergence() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      DiscoveryResponse first = ads.next(TypeUrls.ENDPOINT, WAIT);
      ads.ack(first, List.of(SMF));
      awaitSynced(TypeUrls.ENDPOINT);
      assertThat(timerCount("telmesh_push_sent", "EDS")).isZero();
      assertThat(timerCount("telmesh_convergence", "EDS"))
          .as("answering a connecting proxy is not a convergence")
          .isZero();
      long debounces = timerCount("telmesh_push_debounce", null);
      long proxyQueues = timerCount("telmesh_push_proxy_queue", null);
      long streamQueues = timerCount("telmesh_xds_stream_queue", null);

      server.publish(Objects.firstEndpointNotReady(server.objects(), "smf-9dl2c"));
      DiscoveryResponse change = ads.next(TypeUrls.ENDPOINT, WAIT);
      ads.ack(change, List.of(SMF));
      awaitSynced(TypeUrls.ENDPOINT);

      assertThat(timerCount("telmesh_push_debounce", null)).isEqualTo(debounces + 1);
      assertThat(timerCount("telmesh_push_proxy_queue", null)).isEqualTo(proxyQueues + 1);
      assertThat(timerCount("telmesh_xds_stream_queue", null)).isEqualTo(streamQueues + 1);
      assertThat(timerCount("telmesh_push_sent", "EDS")).isEqualTo(1);
      assertThat(timerCount("telmesh_convergence", "EDS")).isEqualTo(1);
      assertThat(timerNanos("telmesh_convergence", "EDS"))
          .as("the ACK comes after the send")
          .isGreaterThanOrEqualTo(timerNanos("telmesh_push_sent", "EDS"));
    }
  }

  /** Waits for AMF's stream to ACK its latest response of a type (handled on its own executor). */
  private void awaitSynced(String typeUrl) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      var status = server.telmesh().tracker().status(AMF.getId()).get(typeUrl);
      if (status != null && status.synced()) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(TypeUrls.shortName(typeUrl) + " never synced");
  }

  private io.micrometer.core.instrument.Timer timer(String name, String type) {
    var search = server.telmesh().metrics().registry().find(name);
    return (type == null ? search : search.tag("type", type)).timer();
  }

  private long timerCount(String name, String type) {
    var timer = timer(name, type);
    return timer == null ? 0 : timer.count();
  }

  private double timerNanos(String name, String type) {
    return timer(name, type).totalTime(TimeUnit.NANOSECONDS);
  }

  @Test
  void aRequestWithAStaleNonceIsIgnored() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      DiscoveryResponse first = ads.next(TypeUrls.ENDPOINT, WAIT);
      ads.ack(first, List.of(SMF));
      server.publish(Objects.firstEndpointNotReady(server.objects(), "smf-9dl2c"));
      DiscoveryResponse second = ads.next(TypeUrls.ENDPOINT, WAIT);

      // An answer to the first response, arriving after the second was sent: stale.
      ads.nack(first, first.getVersionInfo(), List.of(SMF, OCS), "a late NACK of an old response");
      assertThat(ads.drain(QUIET)).as("neither a NACK nor a subscription change").isEmpty();
      assertThat(server.telmesh().tracker().status(AMF.getId()).get(TypeUrls.ENDPOINT).nacked())
          .isFalse();
      assertThat(nacks("EDS")).isZero();

      ads.ack(second, List.of(SMF, OCS));
      DiscoveryResponse widened = ads.next(TypeUrls.ENDPOINT, WAIT);
      // The current nonce counts; EDS answers only what the client lacks: the new name.
      assertThat(assignments(widened)).as("the current nonce counts").containsExactly(OCS);
    }
  }

  @Test
  void aNewSubscriptionWithTheLatestNonceAfterItsAckIsServed() throws Exception {
    // grpc-go changes a subscription with the nonce of the response it last ACKed.
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      DiscoveryResponse first = ads.next(TypeUrls.ENDPOINT, WAIT);
      ads.ack(first, List.of(SMF));
      ads.ack(first, List.of(SMF, OCS));
      assertThat(assignments(ads.next(TypeUrls.ENDPOINT, WAIT))).containsExactly(OCS);
      assertThat(server.telmesh().tracker().status(AMF.getId()).get(TypeUrls.ENDPOINT).synced())
          .isFalse();
    }
  }

  @Test
  void istioctlsDebugRequestIsAnsweredAlthoughItCarriesANonce() throws Exception {
    // istioctl's node: sidecar~<host IP, possibly empty>~test-1.NS~NS.svc.cluster.local, and a
    // response_nonce of time.Now().String() on its first and only request.
    Node istioctl =
        Node.newBuilder()
            .setId("sidecar~~test-1.istio-system~istio-system.svc.cluster.local")
            .setMetadata(
                Struct.newBuilder()
                    .putFields("GENERATOR", Value.newBuilder().setStringValue("event").build())
                    .putFields(
                        "NAMESPACE", Value.newBuilder().setStringValue("istio-system").build()))
            .build();
    try (AdsClient.Sotw sidecar = server.client().sotw();
        AdsClient.Sotw debug = server.client().sotw()) {
      sidecar.request(AMF, TypeUrls.CLUSTER, List.of());
      sidecar.ack(sidecar.next(TypeUrls.CLUSTER, WAIT), List.of());
      awaitSynced(TypeUrls.CLUSTER);
      debug.send(
          DiscoveryRequest.newBuilder()
              .setNode(istioctl)
              .setTypeUrl(DebugTypes.SYNCZ)
              .setResponseNonce("2026-12-02 07:00:00.123456789 +0000 UTC m=+0.05")
              .build());
      DiscoveryResponse syncz = debug.next(WAIT);
      assertThat(syncz.getResourcesList()).hasSize(1);
      ClientConfig amf = syncz.getResources(0).unpack(ClientConfig.class);
      assertThat(amf.getNode().getId()).isEqualTo("amf-0.telco");
      assertThat(amf.getGenericXdsConfigsList())
          .anySatisfy(c -> assertThat(c.getConfigStatus()).isEqualTo(ConfigStatus.SYNCED));
      assertThat(syncz.getControlPlane().getIdentifier()).contains("\"version\"");
    }
  }

  @Test
  void everyStreamReleasesWhatItHoldsHoweverItEnds() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (AdsClient.Sotw bad = server.client().sotw()) {
        bad.request(
            Node.newBuilder().setId("not-a-node-id-" + i).build(), TypeUrls.CLUSTER, List.of());
        assertThat(bad.closed().get(10, TimeUnit.SECONDS).getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
      }
      try (AdsClient.Sotw noNode = server.client().sotw()) {
        noNode.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build());
        assertThat(noNode.closed().get(10, TimeUnit.SECONDS).getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
      }
    }
    try (AdsClient.Sotw good = server.client().sotw()) {
      good.request(AMF, TypeUrls.CLUSTER, List.of());
      good.next(TypeUrls.CLUSTER, WAIT);
      assertThat(server.telmesh().openStreams()).isEqualTo(1);
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (server.telmesh().openStreams() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(server.telmesh().openStreams()).as("a cancelled stream leaves too").isZero();
    assertThat(server.telmesh().registry().size()).isZero();
    assertThat(server.telmesh().tracker().streams(AMF.getId())).isZero();
  }

  /** {@code telmesh_xds_nacks_total{type}} as the monitoring port reports it. */
  private double nacks(String type) throws Exception {
    String metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + server.telmesh().monitoringPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile("telmesh_xds_nacks_total\\{type=\"" + type + "\"} ([0-9.E]+)")
            .matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
