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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated sidecar: subscribes CDS and LDS (wildcard), EDS and RDS by name, ACKs everything,
 * and records when each type arrived and how many bytes it received. Sends the node on every
 * request (Envoy's default), so the stock library can serve it too. Given no names, it finds them
 * as Envoy does: the EDS clusters in what CDS sent, the RDS names in LDS's connection managers,
 * each subscribed once found (a server it knows nothing about, such as istiod).
 */
final class SimClient {

  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  private final Node node;
  private final boolean delta;
  private final boolean discover;
  private volatile List<String> edsNames;
  private volatile List<String> rdsNames;
  private final Map<String, String> versions = new ConcurrentHashMap<>();
  private final Map<String, String> nonces = new ConcurrentHashMap<>();

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

  /** Where a failed stream's next attempt is scheduled (istiod refuses connections over a rate). */
  private final ScheduledExecutorService retries;

  private ManagedChannel channel;
  private boolean closing;
  private int attempts;

  /** Counts streams, so that only the current one's failure is retried. */
  private long stream;

  /** Envoy's ADS retry: full jitter over an exponential back-off from 500 ms to 30 s. */
  private static final long RETRY_BASE_MILLIS = 500;

  private static final long RETRY_MAX_MILLIS = 30_000;

  /** Waits for an EDS response after a given instant and records its arrival time. */
  static final class EdsWaiter {
    final CountDownLatch arrived = new CountDownLatch(1);
    volatile Instant at;
  }

  SimClient(
      Node node,
      boolean delta,
      List<String> edsNames,
      List<String> rdsNames,
      ScheduledExecutorService retries) {
    this.node = node;
    this.retries = retries;
    this.delta = delta;
    this.discover = false;
    this.edsNames = edsNames;
    this.rdsNames = rdsNames;
  }

  /** A client that finds its EDS and RDS names in what CDS and LDS send it. */
  SimClient(Node node, boolean delta, ScheduledExecutorService retries) {
    this.node = node;
    this.retries = retries;
    this.delta = delta;
    this.discover = true;
    this.edsNames = List.of();
    this.rdsNames = List.of();
  }

  synchronized void connect(ManagedChannel channel, boolean withVersions) {
    initial = new CountDownLatch(4);
    seen.clear();
    this.channel = channel;
    closing = false;
    attempts = 0;
    open(withVersions);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private synchronized void open(boolean withVersions) {
    MethodDescriptor method =
        delta
            ? AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod().toBuilder(
                    ProtoUtils.marshaller(DeltaDiscoveryRequest.getDefaultInstance()),
                    LightResponse.marshaller(true, discover))
                .build()
            : AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod().toBuilder(
                    ProtoUtils.marshaller(DiscoveryRequest.getDefaultInstance()),
                    LightResponse.marshaller(false, discover))
                .build();
    long mine = ++stream;
    requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(method, CallOptions.DEFAULT),
            new StreamObserver<LightResponse>() {
              @Override
              public void onNext(LightResponse response) {
                received(response);
              }

              @Override
              public void onError(Throwable t) {
                failed(mine);
              }

              @Override
              public void onCompleted() {
                failed(mine);
              }
            });
    subscribe(CDS, List.of(), withVersions);
    subscribe(LDS, List.of(), withVersions);
    // No names yet: an empty first request would be a wildcard subscription.
    if (!edsNames.isEmpty()) {
      subscribe(EDS, edsNames, withVersions);
    }
    if (!rdsNames.isEmpty()) {
      subscribe(RDS, rdsNames, withVersions);
    }
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
    attempts = 0;
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
      nonces.put(type, response.nonce());
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
    if (discover && type.equals(CDS)) {
      edsNames = discovered(EDS, edsNames, DiscoveredNames.edsClusters(response.bodies()));
    } else if (discover && type.equals(LDS)) {
      rdsNames = discovered(RDS, rdsNames, DiscoveredNames.routeConfigs(response.bodies()));
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

  /** The current stream ended without being asked to: try again, as a sidecar does. */
  private synchronized void failed(long which) {
    if (closing || which != stream) {
      return;
    }
    long cap = Math.min(RETRY_MAX_MILLIS, RETRY_BASE_MILLIS << Math.min(attempts++, 6));
    if (retries.isShutdown()) {
      return;
    }
    var unused =
        retries.schedule(
            () -> {
              synchronized (this) {
                if (!closing && which == stream) {
                  open(true);
                }
              }
            },
            1 + ThreadLocalRandom.current().nextLong(cap),
            TimeUnit.MILLISECONDS);
  }

  /**
   * {@code known} followed by the names of {@code seen} it lacks, in order; any new ones are
   * subscribed to {@code type} at once.
   */
  private List<String> discovered(String type, List<String> known, List<String> seen) {
    List<String> all = new ArrayList<>(known);
    java.util.Set<String> have = new java.util.HashSet<>(known);
    for (String name : seen) {
      if (have.add(name)) {
        all.add(name);
      }
    }
    if (all.size() == known.size()) {
      return known;
    }
    resubscribe(type, all, all.subList(known.size(), all.size()));
    return List.copyOf(all);
  }

  /**
   * As Envoy asks for names it found: delta subscribes the new ones; SotW repeats the whole list
   * with the type's last version and nonce.
   */
  private void resubscribe(String type, List<String> all, List<String> added) {
    if (delta) {
      requests.onNext(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .addAllResourceNamesSubscribe(added)
              .build());
    } else {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .addAllResourceNames(all)
              .setVersionInfo(versions.getOrDefault(type, ""))
              .setResponseNonce(nonces.getOrDefault(type, ""))
              .build());
    }
  }

  List<String> edsNames() {
    return edsNames;
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
        closing = true;
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
