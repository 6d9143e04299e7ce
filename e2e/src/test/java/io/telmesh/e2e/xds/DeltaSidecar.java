package io.telmesh.e2e.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An Envoy-shaped delta ADS stream that subscribes with {@code initial_resource_versions}, as a
 * sidecar does when it reconnects (to another replica, say), and collects what it is sent.
 */
public final class DeltaSidecar implements AutoCloseable {

  private final ManagedChannel channel;
  private final Node node;
  private final StreamObserver<DeltaDiscoveryRequest> requests;
  private final BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();

  public DeltaSidecar(int xdsPort, String pod, String namespace, String ip) {
    channel = SidecarNode.channel(xdsPort);
    node = SidecarNode.of(pod, namespace, ip);
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse response) {
                    responses.add(response);
                    synchronized (DeltaSidecar.this) {
                      requests.onNext(
                          DeltaDiscoveryRequest.newBuilder()
                              .setTypeUrl(response.getTypeUrl())
                              .setResponseNonce(response.getNonce())
                              .build());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
  }

  /**
   * Subscribes to a type: to the names given, or to all (wildcard) when there are none, saying
   * which versions it already holds.
   */
  public synchronized void subscribe(
      String type, Collection<String> names, Map<String, String> held) {
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .addAllResourceNamesSubscribe(names)
            .putAllInitialResourceVersions(held)
            .build());
  }

  /** Every response that arrives within the window. */
  public List<DeltaDiscoveryResponse> collect(Duration window) throws InterruptedException {
    List<DeltaDiscoveryResponse> got = new ArrayList<>();
    long deadline = System.nanoTime() + window.toNanos();
    for (long left = window.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      DeltaDiscoveryResponse r = responses.poll(left, TimeUnit.NANOSECONDS);
      if (r != null) {
        got.add(r);
      }
    }
    return got;
  }

  /** Name to version of every resource in the responses. */
  public static Map<String, String> versions(List<DeltaDiscoveryResponse> responses) {
    Map<String, String> versions = new TreeMap<>();
    for (DeltaDiscoveryResponse response : responses) {
      for (Resource resource : response.getResourcesList()) {
        versions.put(resource.getName(), resource.getVersion());
      }
    }
    return versions;
  }

  /** The resources' serialized size: what a reconnect costs on the wire, headers aside. */
  public static long bytes(List<DeltaDiscoveryResponse> responses) {
    return responses.stream()
        .flatMap(r -> r.getResourcesList().stream())
        .mapToLong(Resource::getSerializedSize)
        .sum();
  }

  @Override
  public void close() {
    SidecarNode.close(channel);
  }
}
