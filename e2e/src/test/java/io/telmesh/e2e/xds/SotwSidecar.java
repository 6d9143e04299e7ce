package io.telmesh.e2e.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An Envoy-shaped SotW ADS stream: CDS and LDS subscribed, then EDS for the EDS clusters and RDS
 * for the route names the listeners ask for, as Envoy follows them; every response ACKed. Keeps the
 * latest resources per type and every response with the time it arrived.
 */
public final class SotwSidecar implements AutoCloseable {

  public static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";

  /** A response as received. */
  public record Received(DiscoveryResponse response, Instant at) {}

  private final ManagedChannel channel;
  private final Node node;
  private final StreamObserver<DiscoveryRequest> requests;
  private final Map<String, Map<String, Any>> latest = new ConcurrentHashMap<>();
  private final Map<String, String> versions = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> subscribed = new ConcurrentHashMap<>();
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final Optional<String> nackType;
  private final String nackMessage;

  /** A sidecar that ACKs everything. */
  public SotwSidecar(int xdsPort, String pod, String namespace, String ip) {
    this(xdsPort, pod, namespace, ip, Optional.empty(), "");
  }

  /**
   * A sidecar that NACKs every response of {@code nackType} as Envoy does (the version it still
   * runs, the response's nonce, an error detail) and ACKs the rest.
   */
  public SotwSidecar(
      int xdsPort,
      String pod,
      String namespace,
      String ip,
      Optional<String> nackType,
      String nackMessage) {
    this.nackType = nackType;
    this.nackMessage = nackMessage;
    channel = SidecarNode.channel(xdsPort);
    node = SidecarNode.of(pod, namespace, ip);
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse response) {
                    handle(response);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
    send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(LDS).build());
  }

  private synchronized void send(DiscoveryRequest request) {
    requests.onNext(request);
  }

  private void handle(DiscoveryResponse response) {
    String type = response.getTypeUrl();
    if (nackType.filter(type::equals).isPresent()) {
      send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(type)
              .setVersionInfo(versions.getOrDefault(type, ""))
              .setResponseNonce(response.getNonce())
              .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage(nackMessage))
              .build());
      received.add(new Received(response, Instant.now()));
      return;
    }
    Map<String, Any> resources = new TreeMap<>();
    for (Any any : response.getResourcesList()) {
      resources.put(name(type, any), any);
    }
    boolean partial = type.equals(EDS) || type.equals(RDS);
    if (partial) {
      // a SotW server may send only what changed for these types
      latest.merge(
          type,
          resources,
          (old, next) -> {
            Map<String, Any> merged = new TreeMap<>(old);
            merged.putAll(next);
            merged.keySet().retainAll(subscribed.getOrDefault(type, Set.of()));
            return merged;
          });
    } else {
      latest.put(type, resources);
    }
    versions.put(type, response.getVersionInfo());
    send(
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .setVersionInfo(response.getVersionInfo())
            .setResponseNonce(response.getNonce())
            .addAllResourceNames(subscribed.getOrDefault(type, Set.of()))
            .build());
    if (type.equals(CDS)) {
      follow(EDS, edsNames(resources.values()));
    } else if (type.equals(LDS)) {
      follow(RDS, routeNames(resources.values()));
    }
    received.add(new Received(response, Instant.now()));
  }

  private void follow(String type, Set<String> names) {
    Set<String> before = subscribed.getOrDefault(type, Set.of());
    if (names.equals(before)) {
      return;
    }
    subscribed.put(type, names);
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).addAllResourceNames(names);
    String version = versions.get(type);
    if (version != null) {
      request.setVersionInfo(version);
    }
    send(request.build());
  }

  private static String name(String type, Any any) {
    try {
      return switch (type) {
        case CDS -> any.unpack(Cluster.class).getName();
        case LDS -> any.unpack(Listener.class).getName();
        case EDS ->
            any.unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class)
                .getClusterName();
        case RDS ->
            any.unpack(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class).getName();
        default -> throw new IllegalArgumentException(type);
      };
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> edsNames(Iterable<Any> clusters) {
    Set<String> names = new TreeSet<>();
    for (Any any : clusters) {
      try {
        Cluster cluster = any.unpack(Cluster.class);
        if (cluster.hasEdsClusterConfig()) {
          String service = cluster.getEdsClusterConfig().getServiceName();
          names.add(service.isEmpty() ? cluster.getName() : service);
        }
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
    return names;
  }

  private static Set<String> routeNames(Iterable<Any> listeners) {
    Set<String> names = new TreeSet<>();
    for (Any any : listeners) {
      try {
        Listener listener = any.unpack(Listener.class);
        List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
        if (listener.hasDefaultFilterChain()) {
          chains.add(listener.getDefaultFilterChain());
        }
        for (FilterChain chain : chains) {
          for (Filter filter : chain.getFiltersList()) {
            if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
              HttpConnectionManager hcm =
                  filter.getTypedConfig().unpack(HttpConnectionManager.class);
              if (hcm.hasRds()) {
                names.add(hcm.getRds().getRouteConfigName());
              }
            }
          }
        }
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
    return names;
  }

  /**
   * Waits until every type holds a response and every name it asks for has arrived; returns the
   * resources per type.
   */
  public Map<String, Map<String, Any>> awaitFull(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (complete()) {
        Map<String, Map<String, Any>> copy = new TreeMap<>();
        latest.forEach((type, resources) -> copy.put(type, new TreeMap<>(resources)));
        return copy;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        node.getId()
            + ": not complete in "
            + timeout
            + "; have "
            + latest.keySet()
            + ", asked "
            + subscribed);
  }

  private boolean complete() {
    if (!latest.containsKey(CDS) || !latest.containsKey(LDS)) {
      return false;
    }
    for (String type : List.of(EDS, RDS)) {
      Set<String> asked = subscribed.getOrDefault(type, Set.of());
      if (!asked.isEmpty() && !latest.getOrDefault(type, Map.of()).keySet().containsAll(asked)) {
        return false;
      }
    }
    return true;
  }

  /** The latest version of each type, as the server sent it. */
  public Map<String, String> versions() {
    return new TreeMap<>(versions);
  }

  /** The next response of the given type, or null when none arrives in time. */
  public Received next(String type, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (long left = timeout.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      Received r = received.poll(left, TimeUnit.NANOSECONDS);
      if (r == null) {
        return null;
      }
      if (r.response().getTypeUrl().equals(type)) {
        return r;
      }
    }
    return null;
  }

  /** Forgets what arrived so far, so {@link #next} waits for something new. */
  public void drain() {
    received.clear();
  }

  @Override
  public void close() {
    SidecarNode.close(channel);
  }
}
