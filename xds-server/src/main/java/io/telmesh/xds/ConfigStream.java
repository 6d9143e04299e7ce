package io.telmesh.xds;

import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker;
import io.telmesh.status.ProxyStatusTracker.StreamKey;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * What a state-of-the-world and a delta stream share: the stream's identity, the node's snapshots
 * it follows, its serial executor (every state change of a stream runs there: requests, and
 * snapshot changes handed over by {@link ProxyCache}), its nonces, and the status it reports.
 *
 * @param <Q> the request type
 * @param <S> what the stream keeps per type
 */
abstract class ConfigStream<Q, S> implements ProxyCache.SnapshotListener {

  /** Per type URL, in the order first asked for. */
  protected final Map<String, S> types = new LinkedHashMap<>();

  protected final StreamKey key;
  protected final ProxyCache cache;
  private final ProxyStatusTracker.StreamStatus status;
  private final Executor serial;
  private final String noncePrefix;
  private long nonces;
  private volatile boolean closed;

  /** Whether the responses being cut now answer a new snapshot rather than a request. */
  private boolean pushing;

  /** Changes older than the stream are not converged by it: a connecting proxy is answered. */
  private final Instant opened = Instant.now();

  ConfigStream(
      StreamKey key,
      ProxyCache cache,
      ProxyStatusTracker tracker,
      Executor serial,
      String noncePrefix) {
    this.key = key;
    this.cache = cache;
    this.status = tracker.open(key);
    this.serial = serial;
    this.noncePrefix = noncePrefix;
    cache.listen(key.nodeId(), this);
  }

  /** A request of the given type (resolved by the filter: per-type services leave it empty). */
  final void request(String typeUrl, Q request) {
    serial.execute(
        () -> {
          if (!closed) {
            handle(typeUrl, request);
          }
        });
  }

  @Override
  public final void snapshotChanged(ProxySnapshot snapshot) {
    long installed = System.nanoTime();
    serial.execute(
        () -> {
          if (!closed) {
            status.pushDequeued(Duration.ofNanos(System.nanoTime() - installed));
            pushing = true;
            try {
              for (String type : TypeUrls.PUSH_ORDER) {
                S state = types.get(type);
                if (state != null) {
                  respond(type, state, snapshot);
                }
              }
            } finally {
              pushing = false;
            }
          }
        });
  }

  /** The stream ended: it stops following the node's snapshots and forgets its status. */
  final void close() {
    if (!closed) {
      closed = true;
      cache.unlisten(key.nodeId(), this);
      status.close();
    }
  }

  final boolean closed() {
    return closed;
  }

  /** Handles one request, on the serial executor. */
  abstract void handle(String typeUrl, Q request);

  /** Sends what the client lacks of one type it subscribes to, if it may be sent now. */
  abstract void respond(String type, S state, ProxySnapshot snapshot);

  /** Nonces need only be unique on their stream. */
  final String nextNonce() {
    return noncePrefix + Long.toString(++nonces, 36);
  }

  /**
   * Reports a response before it leaves: the client's answer can arrive before onNext returns.
   *
   * @param from the snapshot the response was cut from (its source change dates the convergence)
   */
  final void sending(
      ProxySnapshot from,
      String typeUrl,
      String version,
      String nonce,
      int resources,
      Responded content) {
    status.sent(
        typeUrl,
        TypeUrls.shortName(typeUrl),
        version,
        nonce,
        from.changedAt(),
        pushing && from.changedAt().isAfter(opened),
        resources,
        Optional.of(content));
  }

  final void acked(String typeUrl, String nonce) {
    status.acked(typeUrl, TypeUrls.shortName(typeUrl), nonce);
  }

  final void nacked(String typeUrl, String nonce, String message) {
    status.nacked(typeUrl, TypeUrls.shortName(typeUrl), nonce, message);
  }
}
