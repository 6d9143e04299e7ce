package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.Subscription;
import io.telmesh.snapshot.TypeSnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delta (incremental) xDS stream, served by telmesh rather than java-control-plane: the
 * library keeps a map of every resource name and version per stream and type (over 100 KB per
 * sidecar at a thousand Services) and ignores {@code initial_resource_versions}, so a reconnect
 * re-sends everything. Here a stream remembers, per type, only references: the snapshot the proxy
 * is known to have (shared with every proxy that has the same), what it subscribes to, and the
 * response awaiting an answer.
 *
 * <p>All state changes run on the stream's serial executor: requests, and snapshot changes
 * handed over by {@link ProxyCache}.
 */
final class DeltaStream implements ProxyCache.SnapshotListener {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaStream.class);
  private static final AtomicLong NONCES = new AtomicLong();

  private final String nodeId;
  private final ProxyCache cache;
  private final StreamObserver<DeltaDiscoveryResponse> out;
  private final Executor serial;
  /** Per type URL, in the order first asked for. */
  private final Map<String, TypeState> types = new LinkedHashMap<>();
  private volatile boolean closed;

  /** What the proxy has and awaits of one type. */
  private static final class TypeState {
    Subscription subscription = Subscription.of(List.of());
    boolean wildcard;
    /** The snapshot the proxy is known to have, for the names it subscribes to; null at first. */
    TypeSnapshot has;
    /** A reconnecting proxy's initial_resource_versions, until the first response. */
    Map<String, String> initial = Map.of();
    /** Names subscribed since the last response: the proxy has none of them. */
    Set<String> fresh = new HashSet<>();
    /** Subscribed names answered as missing: said once, not again until they exist. */
    Set<String> reportedMissing = new HashSet<>();
    String pendingNonce;
    TypeSnapshot pendingAgainst;
    Set<String> pendingFresh = Set.of();
    /** A snapshot the proxy NACKed: none of its versions is sent again. */
    TypeSnapshot rejected;
  }

  DeltaStream(String nodeId, ProxyCache cache, StreamObserver<DeltaDiscoveryResponse> out, Executor serial) {
    this.nodeId = nodeId;
    this.cache = cache;
    this.out = out;
    this.serial = serial;
    cache.listen(nodeId, this);
  }

  /** A request of the given type (resolved by the filter: per-type services leave it empty). */
  void request(String typeUrl, DeltaDiscoveryRequest request) {
    serial.execute(() -> handle(typeUrl, request));
  }

  @Override
  public void snapshotChanged(ProxySnapshot snapshot) {
    serial.execute(() -> {
      for (String type : TypeUrls.PUSH_ORDER) {
        if (types.containsKey(type)) {
          respond(type, types.get(type), snapshot);
        }
      }
    });
  }

  void close() {
    if (!closed) {
      closed = true;
      cache.unlisten(nodeId, this);
    }
  }

  private void handle(String type, DeltaDiscoveryRequest request) {
    if (closed) {
      return;
    }
    boolean first = !types.containsKey(type);
    TypeState state = types.computeIfAbsent(type, t -> new TypeState());
    if (!request.getResponseNonce().isEmpty() && request.getResponseNonce().equals(state.pendingNonce)) {
      answered(type, state, request);
    }
    if (first) {
      state.initial = request.getInitialResourceVersionsMap();
      // Envoy subscribes to LDS and CDS by wildcard: no names (or "*") on the first request.
      state.wildcard = request.getResourceNamesSubscribeCount() == 0 && TypeUrls.WILDCARD_TYPES.contains(type);
    }
    if (request.getResourceNamesSubscribeCount() > 0 || request.getResourceNamesUnsubscribeCount() > 0) {
      resubscribe(state, request);
    }
    // A reconnecting proxy re-subscribes to names it already has: not fresh, its versions count.
    state.fresh.removeAll(state.initial.keySet());
    cache.snapshot(nodeId).ifPresent(snapshot -> respond(type, state, snapshot));
  }

  private void answered(String type, TypeState state, DeltaDiscoveryRequest request) {
    if (request.hasErrorDetail()) {
      state.rejected = state.pendingAgainst;
      state.fresh.addAll(state.pendingFresh);
      LOG.warn("proxy {} rejected {} (delta) at {}: {}", nodeId, TypeUrls.shortName(type),
          state.pendingAgainst.version(), request.getErrorDetail().getMessage());
    } else {
      state.has = state.pendingAgainst;
    }
    state.pendingNonce = null;
    state.pendingAgainst = null;
    state.pendingFresh = Set.of();
  }

  private static void resubscribe(TypeState state, DeltaDiscoveryRequest request) {
    Set<String> names = new TreeSet<>(state.subscription.names().orElse(List.of()));
    for (String name : request.getResourceNamesSubscribeList()) {
      if (name.equals("*")) {
        state.wildcard = true;
      } else if (names.add(name)) {
        state.fresh.add(name);
      }
    }
    for (String name : request.getResourceNamesUnsubscribeList()) {
      if (name.equals("*")) {
        state.wildcard = false;
      } else {
        names.remove(name);
        state.fresh.remove(name);
        state.reportedMissing.remove(name);
      }
    }
    state.subscription = Subscription.of(names);
  }

  /** Sends what the proxy lacks of its subscription, if anything, unless a response awaits its answer. */
  private void respond(String type, TypeState state, ProxySnapshot snapshot) {
    if (closed || state.pendingNonce != null) {
      return;
    }
    TypeSnapshot current = snapshot.type(type);
    List<Resource> send = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String name : candidates(state, current)) {
      if (!state.wildcard && !state.subscription.includes(name)) {
        continue;
      }
      PreparedResource resource = current.get(name);
      String have = state.fresh.contains(name) ? null
          : state.has != null ? version(state.has, name) : state.initial.get(name);
      if (resource == null) {
        if (have != null || (!state.wildcard && state.reportedMissing.add(name))) {
          removed.add(name);
        }
      } else {
        state.reportedMissing.remove(name);
        if (!resource.version().equals(have) && !resource.version().equals(version(state.rejected, name))) {
          send.add(resource.delta());
        }
      }
    }
    Set<String> asked = Set.copyOf(state.fresh);
    state.fresh.clear();
    state.initial = Map.of();
    if (send.isEmpty() && removed.isEmpty()) {
      state.has = current; // consistent with it for every subscribed name (bar versions it refused)
      return;
    }
    String nonce = "d" + NONCES.incrementAndGet();
    state.pendingNonce = nonce;
    state.pendingAgainst = current;
    state.pendingFresh = asked;
    cache.recordResponse(nodeId, type, new Responded(current.version(), current,
        state.wildcard ? Subscription.WILDCARD : state.subscription));
    out.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(type).setSystemVersionInfo(current.version())
        .setNonce(nonce).addAllResources(send).addAllRemovedResources(removed).build());
  }

  /** The names that may differ between what the proxy has and the current snapshot. */
  private static Set<String> candidates(TypeState state, TypeSnapshot current) {
    Set<String> names = new LinkedHashSet<>(state.fresh);
    if (state.has != null) {
      if (current != state.has && !current.version().equals(state.has.version())) {
        names.addAll(current.changedSince(state.has));
      }
    } else {
      names.addAll(state.subscription.names().orElse(List.of()));
      names.addAll(state.initial.keySet());
      if (state.wildcard) {
        current.all().forEach(r -> names.add(r.name()));
      }
    }
    return names;
  }

  private static String version(TypeSnapshot snapshot, String name) {
    PreparedResource resource = snapshot == null ? null : snapshot.get(name);
    return resource == null ? null : resource.version();
  }
}
