package io.telmesh.e2e.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;

/** What every simulated sidecar presents: Istio's node id and metadata, over a loopback channel. */
final class SidecarNode {

  private SidecarNode() {}

  /** {@code sidecar~IP~POD.NS~NS.svc.cluster.local} with metadata {@code NAMESPACE}. */
  static Node of(String pod, String namespace, String ip) {
    return Node.newBuilder()
        .setId(
            "sidecar~" + ip + "~" + pod + "." + namespace + "~" + namespace + ".svc.cluster.local")
        .setMetadata(
            Struct.newBuilder()
                .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build()))
        .build();
  }

  static ManagedChannel channel(int xdsPort) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
  }

  static void close(ManagedChannel channel) {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
