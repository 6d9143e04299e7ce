package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.grpc.stub.StreamObserver;
import io.telmesh.kube.KubeObjects;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.Objects;
import io.telmesh.testing.ServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The delta protocol as telmesh's {@link DeltaStream} serves it: subscriptions, removals, NACKs.
 */
class DeltaStreamTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration QUIET = Duration.ofMillis(800);
  static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  static final String SMF = "outbound|8080||smf.telco.svc.cluster.local";
  static final String OCS = "outbound|3868||ocs.telco.svc.cluster.local";
  static final String DB = "outbound|9042||db.telco.svc.cluster.local";

  @RegisterExtension final ServerExtension server = ServerExtension.demo();

  private static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).toList();
  }

  private KubeObjects smfNotReady() {
    return Objects.firstEndpointNotReady(server.objects(), "smf-9dl2c");
  }

  @Test
  void aLaterSubscriptionGetsOnlyTheNewNamesAndAnUnsubscribedNameIsNoLongerPushed()
      throws Exception {
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      DeltaDiscoveryResponse first = delta.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(names(first)).containsExactly(SMF);
      delta.ack(first);

      delta.subscribe(null, TypeUrls.ENDPOINT, List.of(OCS));
      DeltaDiscoveryResponse second = delta.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(names(second)).as("what the proxy has is not sent again").containsExactly(OCS);
      delta.ack(second);

      delta.send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addResourceNamesUnsubscribe(SMF)
              .build());
      assertThat(delta.drain(QUIET)).as("unsubscribing needs no answer").isEmpty();
      server.publish(smfNotReady());
      assertThat(delta.drain(QUIET)).as("a change to an unsubscribed name is not pushed").isEmpty();
    }
  }

  @Test
  void aDeletedServiceIsSentAsRemovedOnWildcardAndNamedSubscriptions() throws Exception {
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(AMF, TypeUrls.CLUSTER, List.of());
      DeltaDiscoveryResponse cds = delta.next(TypeUrls.CLUSTER, WAIT);
      assertThat(names(cds)).contains(DB);
      delta.ack(cds);
      delta.subscribe(null, TypeUrls.ENDPOINT, List.of(DB, SMF));
      delta.ack(delta.next(TypeUrls.ENDPOINT, WAIT));

      List<io.fabric8.kubernetes.api.model.Service> services =
          new ArrayList<>(server.objects().services());
      services.removeIf(s -> s.getMetadata().getName().equals("db"));
      server.publish(
          new KubeObjects(
              services,
              server.objects().endpointSlices(),
              server.objects().pods(),
              server.objects().networkAttachments(),
              List.of()));

      List<DeltaDiscoveryResponse> pushed = new ArrayList<>();
      pushed.add(delta.next(WAIT));
      delta.ack(pushed.get(0));
      pushed.addAll(delta.drain(QUIET));
      DeltaDiscoveryResponse removedCluster =
          pushed.stream()
              .filter(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER))
              .findFirst()
              .orElseThrow();
      assertThat(removedCluster.getRemovedResourcesList()).containsExactly(DB);
      assertThat(removedCluster.getResourcesList())
          .as("only the removal, not the whole CDS")
          .isEmpty();
      DeltaDiscoveryResponse removedEndpoints =
          pushed.stream()
              .filter(r -> r.getTypeUrl().equals(TypeUrls.ENDPOINT))
              .findFirst()
              .orElseThrow();
      assertThat(removedEndpoints.getRemovedResourcesList()).containsExactly(DB);
      assertThat(removedEndpoints.getResourcesList()).isEmpty();
    }
  }

  @Test
  void aNackedResourceIsNotResentButItsNextVersionIs() throws Exception {
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      delta.ack(delta.next(TypeUrls.ENDPOINT, WAIT));

      server.publish(smfNotReady());
      DeltaDiscoveryResponse change = delta.next(TypeUrls.ENDPOINT, WAIT);
      delta.nack(change, "refused for the test");
      assertThat(delta.drain(QUIET)).as("no re-send loop after a NACK").isEmpty();

      server.publish(server.objects());
      DeltaDiscoveryResponse next = delta.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(names(next)).containsExactly(SMF);
      assertThat(next.getResources(0).getVersion())
          .isNotEqualTo(change.getResources(0).getVersion());
    }
  }

  @Test
  void aNameSubscribedWhileAResponseAwaitsItsAckIsSentAfterTheAck() throws Exception {
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      DeltaDiscoveryResponse first = delta.next(TypeUrls.ENDPOINT, WAIT);
      delta.subscribe(null, TypeUrls.ENDPOINT, List.of(OCS));
      assertThat(delta.drain(QUIET)).as("one response in flight per type").isEmpty();
      delta.ack(first);
      assertThat(names(delta.next(TypeUrls.ENDPOINT, WAIT))).containsExactly(OCS);
    }
  }

  @Test
  void aReconnectingProxyResubscribingByNameGetsOnlyWhatItLacks() throws Exception {
    Map<String, String> have = new java.util.HashMap<>();
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(AMF, TypeUrls.ENDPOINT, List.of(SMF, OCS));
      DeltaDiscoveryResponse response = delta.next(TypeUrls.ENDPOINT, WAIT);
      response.getResourcesList().forEach(r -> have.put(r.getName(), r.getVersion()));
      delta.ack(response);
    }
    assertThat(have).containsOnlyKeys(SMF, OCS);
    have.put(OCS, "stale");
    try (AdsClient.Delta again = server.client().delta()) {
      again.send(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(AMF)
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addAllResourceNamesSubscribe(List.of(SMF, OCS))
              .putAllInitialResourceVersions(have)
              .build());
      DeltaDiscoveryResponse response = again.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(names(response)).as("only the name whose version differs").containsExactly(OCS);
      again.ack(response);
      assertThat(again.drain(QUIET)).isEmpty();
    }
  }

  @Test
  void thePerTypeDeltaServiceNeedsNoTypeUrl() throws Exception {
    BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<DeltaDiscoveryRequest> requests =
        EndpointDiscoveryServiceGrpc.newStub(server.client().channel())
            .deltaEndpoints(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse value) {
                    responses.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    try {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder().setNode(AMF).addResourceNamesSubscribe(SMF).build());
      DeltaDiscoveryResponse response = responses.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(response).isNotNull();
      assertThat(response.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      assertThat(names(response)).containsExactly(SMF);
    } finally {
      requests.onCompleted();
    }
  }

  @Test
  void aClosedStreamStopsListeningToItsProxy() throws Exception {
    AdsClient.Delta delta = server.client().delta();
    delta.subscribe(AMF, TypeUrls.CLUSTER, List.of());
    delta.ack(delta.next(TypeUrls.CLUSTER, WAIT));
    delta.close();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (server.telmesh().registry().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(server.telmesh().registry().size()).isZero();
    // A push after the stream ended reaches no one and breaks nothing.
    server.publish(smfNotReady());
    try (AdsClient.Delta again = server.client().delta()) {
      again.subscribe(AMF, TypeUrls.ENDPOINT, List.of(SMF));
      assertThat(names(again.next(TypeUrls.ENDPOINT, WAIT))).containsExactly(SMF);
    }
  }
}
