package io.telmesh.e2e.browser;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An ADS client shaped like an Envoy sidecar's SotW stream: Istio's node id and metadata, CDS and
 * LDS subscribed, every response answered. It ACKs, or, for one type, NACKs the way Envoy does
 * (previous version, the response's nonce, an error detail). No Envoy binary runs on these
 * machines; the page under test only needs a proxy's ACKs and NACKs.
 */
final class SimulatedSidecar implements AutoCloseable {

  static final String CLUSTERS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String LISTENERS = "type.googleapis.com/envoy.config.listener.v3.Listener";

  private final ManagedChannel channel;
  private final StreamObserver<DiscoveryRequest> requests;

  /**
   * @param nackType a type URL to NACK every response of, with {@code nackMessage}; empty to ACK
   *     all
   */
  SimulatedSidecar(
      int xdsPort,
      String pod,
      String namespace,
      String ip,
      Optional<String> nackType,
      String nackMessage) {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
    Node node =
        Node.newBuilder()
            .setId(
                "sidecar~"
                    + ip
                    + "~"
                    + pod
                    + "."
                    + namespace
                    + "~"
                    + namespace
                    + ".svc.cluster.local")
            .setMetadata(
                Struct.newBuilder()
                    .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build()))
            .build();
    StreamObserver<DiscoveryRequest>[] out = new StreamObserver[1];
    java.util.Map<String, String> acked = new java.util.concurrent.ConcurrentHashMap<>();
    out[0] =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse response) {
                    DiscoveryRequest.Builder answer =
                        DiscoveryRequest.newBuilder()
                            .setNode(node)
                            .setTypeUrl(response.getTypeUrl())
                            .setResponseNonce(response.getNonce());
                    if (nackType.filter(response.getTypeUrl()::equals).isPresent()) {
                      answer
                          .setVersionInfo(acked.getOrDefault(response.getTypeUrl(), ""))
                          .setErrorDetail(
                              Status.newBuilder().setCode(3).setMessage(nackMessage).build());
                    } else {
                      acked.put(response.getTypeUrl(), response.getVersionInfo());
                      answer.setVersionInfo(response.getVersionInfo());
                    }
                    synchronized (out) {
                      out[0].onNext(answer.build());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    requests = out[0];
    synchronized (out) {
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CLUSTERS).build());
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(LISTENERS).build());
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
