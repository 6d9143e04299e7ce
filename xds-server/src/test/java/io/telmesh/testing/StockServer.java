package io.telmesh.testing;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.telmesh.resources.ProxyResources;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * java-control-plane used as its README shows: {@code SimpleCache}, one snapshot version per node,
 * {@code V3DiscoveryServer} with its default executor and serializer. The baseline the defect tests
 * and the load benchmark compare telmesh against.
 */
public final class StockServer implements AutoCloseable {

  /** A response as the library handed it to the stream, and the thread it was sent from. */
  public record Sent(DiscoveryResponse response, String thread) {}

  public final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
  public final List<Sent> sent = new CopyOnWriteArrayList<>();
  private final Server grpc;

  public StockServer() throws Exception {
    DiscoveryServerCallbacks callbacks =
        new DiscoveryServerCallbacks() {
          @Override
          public void onV3StreamRequest(long streamId, DiscoveryRequest request) {}

          @Override
          public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

          @Override
          public void onV3StreamResponse(
              long streamId, DiscoveryRequest request, DiscoveryResponse response) {
            sent.add(new Sent(response, Thread.currentThread().getName()));
          }
        };
    V3DiscoveryServer server = new V3DiscoveryServer(callbacks, cache);
    grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(server.getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
  }

  public int port() {
    return grpc.getPort();
  }

  public void setSnapshot(String nodeId, ProxyResources resources, String version) {
    cache.setSnapshot(
        nodeId,
        Snapshot.create(
            resources.clusters().all(),
            resources.endpoints().all(),
            resources.listeners().all(),
            resources.routes().all(),
            List.of(),
            version));
  }

  @Override
  public void close() {
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
