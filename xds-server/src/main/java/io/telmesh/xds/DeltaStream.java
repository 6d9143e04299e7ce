package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker;
import io.telmesh.status.ProxyStatusTracker.StreamKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One delta (incremental) xDS stream, served by telmesh rather than java-control-plane: the library
 * keeps a map of every resource name and version per stream and type (over 100 KB per sidecar at a
 * thousand Services) and ignores {@code initial_resource_versions}, so a reconnect re-sends
 * everything. Here a stream remembers, per type, only references: the snapshot the proxy is known
 * to have (shared with every proxy that has the same), what it subscribes to, and the response
 * awaiting an answer.
 *
 * <p>All state changes run on the stream's serial executor: requests, and snapshot changes handed
 * over by {@link ProxyCache}.
 */
final class DeltaStream extends ConfigStream<DeltaDiscoveryRequest, DeltaStream.TypeState> {

  private static final Logger LOG = LoggerFactory.getLogger(DeltaStream.class);

  private final StreamObserver<DeltaDiscoveryResponse> out;

  /** A response sent and not answered yet: what it was cut from and what it accounted for. */
  private record Pending(String nonce, TypeSnapshot against, DeltaSubscription.Owed owed) {}

  /** What the proxy asked for, has and awaits of one type. */
  static final class TypeState {
    final DeltaSubscription subscription;

    /** The snapshot the proxy is known to hold, for what it subscribes to; empty until it ACKs. */
    Optional<TypeSnapshot> has = Optional.empty();

    Optional<Pending> pending = Optional.empty();

    /** A snapshot the proxy NACKed: none of its versions is sent again. */
    Optional<TypeSnapshot> rejected = Optional.empty();

    TypeState(DeltaSubscription subscription) {
      this.subscription = subscription;
    }
  }

  DeltaStream(
      StreamKey key,
      ProxyCache cache,
      ProxyStatusTracker tracker,
      StreamObserver<DeltaDiscoveryResponse> out,
      Executor serial) {
    super(key, cache, tracker, serial, "d");
    this.out = out;
  }

  @Override
  void handle(String type, DeltaDiscoveryRequest request) {
    TypeState state = types.get(type);
    if (state == null) {
      state =
          new TypeState(
              DeltaSubscription.first(
                  request.getResourceNamesSubscribeList(),
                  request.getResourceNamesUnsubscribeList(),
                  request.getInitialResourceVersionsMap()));
      types.put(type, state);
    } else {
      answer(type, state, request);
      state.subscription.change(
          request.getResourceNamesSubscribeList(), request.getResourceNamesUnsubscribeList());
    }
    TypeState current = state;
    cache.snapshot(key.nodeId()).ifPresent(snapshot -> respond(type, current, snapshot));
  }

  /** An ACK or NACK of the response awaiting an answer; any other nonce answers nothing. */
  private void answer(String type, TypeState state, DeltaDiscoveryRequest request) {
    Optional<Pending> pending =
        state.pending.filter(p -> p.nonce().equals(request.getResponseNonce()));
    if (pending.isEmpty()) {
      return;
    }
    state.pending = Optional.empty();
    if (request.hasErrorDetail()) {
      state.rejected = Optional.of(pending.get().against());
      state.subscription.refused(pending.get().owed());
      nacked(type, pending.get().nonce(), request.getErrorDetail().getMessage());
      LOG.warn(
          "proxy {} rejected {} (delta) at {}: {}",
          key.nodeId(),
          TypeUrls.shortName(type),
          pending.get().against().version(),
          request.getErrorDetail().getMessage());
    } else {
      state.has = Optional.of(pending.get().against());
      acked(type, pending.get().nonce());
    }
  }

  /**
   * Sends what the proxy lacks of its subscription, if anything, unless a response awaits its
   * answer.
   */
  @Override
  void respond(String type, TypeState state, ProxySnapshot snapshot) {
    if (state.pending.isPresent()) {
      return;
    }
    DeltaSubscription subscription = state.subscription;
    TypeSnapshot current = snapshot.type(type);
    List<Resource> send = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (String name : candidates(state, current)) {
      if (!subscription.includes(name)) {
        continue;
      }
      PreparedResource resource = current.get(name);
      String have =
          subscription.owed(name)
              ? null
              : state.has.isPresent()
                  ? version(state.has.get(), name)
                  : subscription.initialVersion(name);
      if (resource == null) {
        if (have != null || subscription.reportMissing(name)) {
          removed.add(name);
        }
      } else {
        subscription.exists(name);
        if (!resource.version().equals(have)
            && !resource.version().equals(state.rejected.map(r -> version(r, name)).orElse(null))) {
          send.add(resource.delta());
        }
      }
    }
    DeltaSubscription.Owed owed = subscription.responded();
    if (send.isEmpty() && removed.isEmpty()) {
      // Consistent with it for every subscribed name (bar versions it refused).
      state.has = Optional.of(current);
      return;
    }
    String nonce = nextNonce();
    state.pending = Optional.of(new Pending(nonce, current, owed));
    sending(
        snapshot,
        type,
        current.version(),
        nonce,
        send.size(),
        new Responded(current.version(), current, subscription.asSubscription()));
    DeltaDiscoveryResponse.Builder response =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(type)
            .setSystemVersionInfo(current.version())
            .setNonce(nonce)
            .addAllResources(send);
    if (!removed.isEmpty()) {
      // protobuf copies even an empty list into a new one, on every push to every stream
      response.addAllRemovedResources(removed);
    }
    out.onNext(response.build());
  }

  /** The names that may differ between what the proxy has and the current snapshot. */
  private static Set<String> candidates(TypeState state, TypeSnapshot current) {
    DeltaSubscription subscription = state.subscription;
    Set<String> owed = subscription.owedNames();
    if (state.has.isPresent() && !subscription.owesEverything()) {
      TypeSnapshot has = state.has.get();
      Set<String> changed =
          current != has && !current.version().equals(has.version())
              ? current.changedSince(has)
              : Set.of();
      if (owed.isEmpty() || changed.isEmpty()) {
        // One of the two is empty (a push to a proxy that owes nothing, usually): the other as it
        // is, so the shared diff is not copied per stream.
        return owed.isEmpty() ? changed : owed;
      }
      Set<String> names = new LinkedHashSet<>(owed);
      names.addAll(changed);
      return names;
    }
    Set<String> names = new LinkedHashSet<>(owed);
    names.addAll(subscription.names());
    names.addAll(subscription.initialNames());
    if (subscription.wildcard()) {
      current.all().forEach(r -> names.add(r.name()));
    }
    state.has.ifPresent(has -> names.addAll(current.changedSince(has)));
    return names;
  }

  private static String version(TypeSnapshot snapshot, String name) {
    PreparedResource resource = snapshot == null ? null : snapshot.get(name);
    return resource == null ? null : resource.version();
  }
}
