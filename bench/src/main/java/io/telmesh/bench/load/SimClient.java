package io.telmesh.bench.load;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated sidecar: subscribes CDS and LDS (wildcard), EDS and RDS by name, ACKs everything,
 * and records when each type arrived and how many bytes it received. Sends the node on every
 * request (Envoy's default), so the stock library can serve it too.
 */
final class SimClient {

  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  private final Node node;
  private final boolean delta;
  private final List<String> edsNames;
  private final List<String> rdsNames;
  private final Map<String, String> versions = new ConcurrentHashMap<>();

  /**
   * Delta: per type, name -> version as received (for reconnects with initial_resource_versions).
   */
  private final Map<String, Map<String, String>> tracked = new ConcurrentHashMap<>();

  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong responses = new AtomicLong();
  private volatile CountDownLatch initial = new CountDownLatch(4);
  private final Map<String, Boolean> seen = new ConcurrentHashMap<>();
  private volatile EdsWaiter edsWaiter;
  private StreamObserver<Object> requests;

  /** Waits for an EDS response after a given instant and records its arrival time. */
  static final class EdsWaiter {
    final CountDownLatch arrived = new CountDownLatch(1);
    volatile Instant at;
  }

  SimClient(Node node, boolean delta, List<String> edsNames, List<String> rdsNames) {
    this.node = node;
    this.delta = delta;
    this.edsNames = edsNames;
    this.rdsNames = rdsNames;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  void connect(ManagedChannel channel, boolean withVersions) {
    initial = new CountDownLatch(4);
    seen.clear();
    MethodDescriptor method =
        delta
            ? AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod().toBuilder(
                    ProtoUtils.marshaller(DeltaDiscoveryRequest.getDefaultInstance()),
                    LightResponse.marshaller(true))
                .build()
            : AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod().toBuilder(
                    ProtoUtils.marshaller(DiscoveryRequest.getDefaultInstance()),
                    LightResponse.marshaller(false))
                .build();
    requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(method, CallOptions.DEFAULT),
            new StreamObserver<LightResponse>() {
              @Override
              public void onNext(LightResponse response) {
                received(response);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    subscribe(CDS, List.of(), withVersions);
    subscribe(LDS, List.of(), withVersions);
    subscribe(EDS, edsNames, withVersions);
    subscribe(RDS, rdsNames, withVersions);
  }

  private synchronized void subscribe(String type, List<String> names, boolean withVersions) {
    if (delta) {
      DeltaDiscoveryRequest.Builder request =
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .addAllResourceNamesSubscribe(names);
      if (withVersions) {
        request.putAllInitialResourceVersions(tracked.getOrDefault(type, Map.of()));
      }
      requests.onNext(request.build());
    } else {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .addAllResourceNames(names)
              .setVersionInfo(withVersions ? versions.getOrDefault(type, "") : "")
              .build());
    }
  }

  private synchronized void received(LightResponse response) {
    bytes.addAndGet(response.bytes());
    responses.incrementAndGet();
    String type = response.typeUrl();
    if (delta) {
      Map<String, String> mine = tracked.computeIfAbsent(type, t -> new HashMap<>());
      mine.putAll(response.resourceVersions());
      response.removed().forEach(mine::remove);
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .setResponseNonce(response.nonce())
              .build());
    } else {
      versions.put(type, response.version());
      List<String> names = type.equals(EDS) ? edsNames : type.equals(RDS) ? rdsNames : List.of();
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .addAllResourceNames(names)
              .setVersionInfo(response.version())
              .setResponseNonce(response.nonce())
              .build());
    }
    if (seen.putIfAbsent(type, Boolean.TRUE) == null) {
      initial.countDown();
    }
    EdsWaiter waiter = edsWaiter;
    if (waiter != null && type.equals(EDS)) {
      waiter.at = Instant.now();
      waiter.arrived.countDown();
      edsWaiter = null;
    }
  }

  CountDownLatch initial() {
    return initial;
  }

  EdsWaiter expectEds() {
    EdsWaiter waiter = new EdsWaiter();
    edsWaiter = waiter;
    return waiter;
  }

  long bytes() {
    return bytes.get();
  }

  long responses() {
    return responses.get();
  }

  void disconnect() {
    try {
      synchronized (this) {
        requests.onCompleted();
      }
    } catch (RuntimeException e) {
      // already closed
    }
  }

  static List<String> list(Iterable<String> names) {
    List<String> list = new ArrayList<>();
    names.forEach(list::add);
    return list;
  }
}
