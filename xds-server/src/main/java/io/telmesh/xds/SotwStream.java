package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.stub.StreamObserver;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.SotwEntries;
import io.telmesh.snapshot.Subscription;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker;
import io.telmesh.status.ProxyStatusTracker.StreamKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One state-of-the-world xDS stream, with the protocol's state kept per stream and type as the spec
 * defines it:
 *
 * <ul>
 *   <li>a request carrying the nonce of the latest response answers it: an ACK, or a NACK when it
 *       carries an error; a request with an older nonce is stale and ignored; one with no nonce
 *       starts the type (or restarts it after a reconnect, saying in {@code version_info} what the
 *       client already has);
 *   <li>every request carries the full list of names wanted; an empty list is the wildcard on a
 *       type's first request (LDS and CDS, Envoy's way) and stays so, {@code *} is the wildcard
 *       anywhere, and otherwise an empty list wants nothing;
 *   <li>at most one response per type awaits its answer; a change meanwhile waits for it;
 *   <li>a version the client NACKed is not sent again, only new content is.
 * </ul>
 *
 * Several streams of one node (grpc-go opens one per target) never share any of this.
 */
final class SotwStream extends ConfigStream<DiscoveryRequest, SotwStream.TypeState> {

  private static final Logger LOG = LoggerFactory.getLogger(SotwStream.class);

  private final StreamObserver<EncodedResponse> out;

  /** A response as sent: its nonce and version and what it was cut from. */
  private record Sent(
      String nonce, String version, TypeSnapshot snapshot, Subscription subscription) {}

  /** What the client asked for, holds and awaits of one type. */
  static final class TypeState {
    Subscription subscription;

    /** The version the client holds: what it ACKed, or said it had when it (re)started. */
    String holds;

    /** The nonce of the latest response: only requests carrying it (or none) count. */
    String latestNonce = "";

    Optional<Sent> pending = Optional.empty();

    /** The version the client NACKed: never sent again. */
    Optional<String> rejected = Optional.empty();

    /**
     * What the client's ACKed version was cut from, while it is known (not after a restart): the
     * base an EDS or RDS response sends only the changes against.
     */
    Optional<Sent> acked = Optional.empty();

    TypeState(Subscription subscription, String holds) {
      this.subscription = subscription;
      this.holds = holds;
    }
  }

  SotwStream(
      StreamKey key,
      ProxyCache cache,
      ProxyStatusTracker tracker,
      StreamObserver<EncodedResponse> out,
      Executor serial) {
    super(key, cache, tracker, serial, "s");
    this.out = out;
  }

  @Override
  void handle(String type, DiscoveryRequest request) {
    TypeState state = types.get(type);
    String nonce = request.getResponseNonce();
    if (state == null) {
      // A stream's first request of a type; a nonce from an earlier stream means nothing here.
      state =
          new TypeState(
              subscription(type, request.getResourceNamesList(), true), request.getVersionInfo());
      types.put(type, state);
    } else if (!nonce.isEmpty() && !nonce.equals(state.latestNonce)) {
      LOG.debug(
          "proxy {}: stale {} request (nonce {}, latest {}) ignored",
          key.nodeId(),
          TypeUrls.shortName(type),
          nonce,
          state.latestNonce);
      return;
    } else {
      answer(type, state, request);
      if (!state.subscription.sameNames(request.getResourceNamesList())) {
        state.subscription =
            subscription(type, request.getResourceNamesList(), state.subscription.wildcard());
      }
      if (nonce.isEmpty()) {
        state.holds = request.getVersionInfo(); // the client restarted the type
        state.acked = Optional.empty();
      }
    }
    Optional<ProxySnapshot> snapshot = cache.snapshot(key.nodeId());
    if (snapshot.isPresent()) {
      respond(type, state, snapshot.get());
    }
  }

  /** The client's answer to the response awaiting one, if this request is it. */
  private void answer(String type, TypeState state, DiscoveryRequest request) {
    Optional<Sent> pending =
        state.pending.filter(p -> p.nonce().equals(request.getResponseNonce()));
    if (pending.isEmpty()) {
      return;
    }
    state.pending = Optional.empty();
    if (request.hasErrorDetail()) {
      state.rejected = Optional.of(pending.get().version());
      nacked(type, pending.get().nonce(), request.getErrorDetail().getMessage());
      LOG.warn(
          "proxy {} rejected {} version {}: {}",
          key.nodeId(),
          TypeUrls.shortName(type),
          pending.get().version(),
          request.getErrorDetail().getMessage());
    } else {
      state.holds = pending.get().version();
      state.acked = pending;
      state.rejected = Optional.empty();
      acked(type, pending.get().nonce());
    }
  }

  /**
   * Sends the subscription's resources unless the client holds them, refused them, or still owes an
   * answer.
   */
  @Override
  void respond(String type, TypeState state, ProxySnapshot snapshot) {
    if (state.pending.isPresent() || state.subscription.isEmpty()) {
      return;
    }
    TypeSnapshot current = snapshot.type(type);
    // A wildcard's version is the snapshot's: its list (thousands of entries) is built only when
    // it is sent, not on every push that leaves the type alone.
    Optional<TypeSnapshot.Selection> named =
        state.subscription.wildcard()
            ? Optional.empty()
            : Optional.of(current.select(state.subscription.names().orElseThrow()));
    String version = named.map(TypeSnapshot.Selection::version).orElse(current.version());
    if (version.equals(state.holds) || state.rejected.filter(version::equals).isPresent()) {
      return;
    }
    SotwEntries resources = named.orElseGet(current::everything).resources();
    Optional<Sent> base = state.acked.filter(a -> a.version().equals(state.holds));
    if (TypeUrls.BY_NAME_TYPES.contains(type) && base.isPresent()) {
      resources = changes(current, state.subscription, base.get());
      if (resources.count() == 0) {
        // Only names it dropped changed: it already holds all it wants of this version.
        state.holds = version;
        state.acked = Optional.of(new Sent("", version, current, state.subscription));
        return;
      }
    }
    String nonce = nextNonce();
    Sent sent = new Sent(nonce, version, current, state.subscription);
    state.pending = Optional.of(sent);
    state.latestNonce = nonce;
    sending(
        snapshot,
        type,
        version,
        nonce,
        resources.count(),
        new Responded(version, current, state.subscription));
    out.onNext(EncodedResponse.of(type, version, nonce, resources));
  }

  /**
   * An EDS or RDS response against what the client holds: only the subscribed resources that
   * changed since, and those it subscribed to since. The protocol allows it for these types, whose
   * resources a client asks for by name and never takes as removed for being left out of a response
   * (only LDS and CDS responses are the whole state); Envoy, grpc-java and grpc-go all keep what a
   * response leaves out. An endpoint change then costs one assignment per client, not all of them.
   */
  private static SotwEntries changes(TypeSnapshot current, Subscription wanted, Sent base) {
    List<String> names = wanted.names().orElseThrow();
    Set<String> changed =
        current == base.snapshot() ? Set.of() : current.changedSince(base.snapshot());
    List<String> had = base.subscription().names().orElse(List.of());
    List<PreparedResource> resources = new ArrayList<>();
    if (had == names) {
      // The same interned list: nothing newly subscribed, so only the changed names can be due
      // (one per endpoint change, against a thousand subscribed).
      for (String name : new TreeSet<>(changed)) {
        PreparedResource resource = wanted.includes(name) ? current.get(name) : null;
        if (resource != null) {
          resources.add(resource);
        }
      }
      return SotwEntries.of(resources);
    }
    for (String name : names) {
      boolean fresh = !base.subscription().wildcard() && Collections.binarySearch(had, name) < 0;
      if (fresh || changed.contains(name)) {
        PreparedResource resource = current.get(name);
        if (resource != null) {
          resources.add(resource);
        }
      }
    }
    return SotwEntries.of(resources);
  }

  /**
   * The names a request wants: every request carries the full list. An empty list is the wildcard
   * on a wildcard type's first request (Envoy's LDS and CDS) and keeps it afterwards.
   */
  private static Subscription subscription(String type, List<String> names, boolean wildcardSoFar) {
    if (names.contains(Subscription.WILDCARD_NAME)
        || (names.isEmpty() && wildcardSoFar && TypeUrls.WILDCARD_TYPES.contains(type))) {
      return Subscription.WILDCARD;
    }
    return Subscription.of(names);
  }
}
