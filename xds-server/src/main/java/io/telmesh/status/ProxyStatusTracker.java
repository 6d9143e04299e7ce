package io.telmesh.status;

import io.telmesh.snapshot.Responded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Per xDS stream and type: the last response sent, the last one ACKed and the last NACK. The xDS
 * protocol's state belongs to a stream, not to a node: one pod may hold several streams with one
 * node id (grpc-go opens one per channel target, a hot-restarting Envoy two), and each is tracked
 * on its own. Streams report what they send and how the client answered; readers get a node's
 * streams merged so that a NACK on any of them shows.
 */
public final class ProxyStatusTracker {

  /** One xDS stream of a node; the number is unique within this server process. */
  public record StreamKey(String nodeId, long stream) {}

  /**
   * A response as sent. {@code changedAt} is when the source change it carries happened; {@code
   * push} whether a new snapshot caused it (rather than the proxy's request); {@code content} what
   * it carried (references to shared snapshots), when known.
   */
  public record Sent(
      String version,
      String nonce,
      Instant at,
      Instant changedAt,
      boolean push,
      int resources,
      Optional<Responded> content) {}

  /** A NACK: the version refused and the proxy's error message. */
  public record Nack(String version, String nonce, String message, Instant at) {}

  /** The status of one type on one stream. */
  public record TypeStatus(
      Optional<Sent> lastSent, Optional<Sent> lastAcked, Optional<Nack> lastNack) {

    static final TypeStatus EMPTY =
        new TypeStatus(Optional.empty(), Optional.empty(), Optional.empty());

    /** Whether the latest response was NACKed (a later ACK or response clears it). */
    public boolean nacked() {
      return lastNack.isPresent()
          && lastSent.map(s -> s.nonce().equals(lastNack.get().nonce())).orElse(false);
    }

    /** Whether the proxy ACKed the latest response. */
    public boolean synced() {
      return lastSent.isPresent()
          && lastAcked.map(a -> a.nonce().equals(lastSent.get().nonce())).orElse(false);
    }

    /** How much attention this deserves when streams are merged: a NACK first, then a wait. */
    int severity() {
      if (nacked()) {
        return 3;
      }
      if (lastSent.isPresent() && !synced()) {
        return 2;
      }
      return lastSent.isPresent() ? 1 : 0;
    }
  }

  private static final Comparator<TypeStatus> WORST_FIRST =
      Comparator.comparingInt(TypeStatus::severity).reversed();

  /** Per node, per stream; each stream's status holds its types. */
  private final Map<String, Map<Long, StreamStatus>> byNode = new ConcurrentHashMap<>();

  private final Clock clock;
  private final XdsEvents events;

  public ProxyStatusTracker(Clock clock, XdsEvents events) {
    this.clock = clock;
    this.events = events;
  }

  /**
   * A stream opened: what it sends and how the client answers is tracked until it closes. The
   * stream reports into its own status, so a response or an answer touches only that stream's
   * entries, not the node's.
   */
  public StreamStatus open(StreamKey stream) {
    StreamStatus status = new StreamStatus(stream);
    byNode.compute(
        stream.nodeId(),
        (node, streams) -> {
          Map<Long, StreamStatus> all = streams == null ? new ConcurrentHashMap<>() : streams;
          all.put(stream.stream(), status);
          return all;
        });
    return status;
  }

  /**
   * A node's status per type, its streams merged: per type the stream that most needs attention (a
   * NACK, then a response not yet ACKed), so one stream's trouble is never hidden by another's
   * success.
   */
  public Map<String, TypeStatus> status(String nodeId) {
    Map<String, TypeStatus> merged = new HashMap<>();
    byNode
        .getOrDefault(nodeId, Map.of())
        .values()
        .forEach(
            stream ->
                stream.types.forEach(
                    (type, status) ->
                        merged.merge(
                            type, status, (a, b) -> WORST_FIRST.compare(a, b) <= 0 ? a : b)));
    return Map.copyOf(merged);
  }

  /** How many streams of this node are tracked. */
  public int streams(String nodeId) {
    return byNode.getOrDefault(nodeId, Map.of()).size();
  }

  /** The status of one open stream, per type URL; reported into by that stream only. */
  public final class StreamStatus {

    private final StreamKey key;
    private final Map<String, TypeStatus> types = new ConcurrentHashMap<>();

    private StreamStatus(StreamKey key) {
      this.key = key;
    }

    /**
     * A response left the stream.
     *
     * @param push whether a new snapshot caused it; only pushes date a convergence
     */
    public void sent(
        String typeUrl,
        String typeShortName,
        String version,
        String nonce,
        Instant changedAt,
        boolean push,
        int resources,
        Optional<Responded> content) {
      Instant now = clock.instant();
      Sent sent = new Sent(version, nonce, now, changedAt, push, resources, content);
      update(
          typeUrl,
          status -> new TypeStatus(Optional.of(sent), status.lastAcked(), status.lastNack()));
      events.pushed(typeShortName);
      if (push) {
        events.pushSent(typeShortName, Duration.between(changedAt, now));
      }
    }

    /** The client ACKed the response with this nonce (the stream checked it was the latest). */
    public void acked(String typeUrl, String typeShortName, String nonce) {
      Instant now = clock.instant();
      update(
          typeUrl,
          status -> {
            Optional<Sent> answered = status.lastSent().filter(s -> s.nonce().equals(nonce));
            answered
                .filter(Sent::push)
                .ifPresent(
                    s -> events.converged(typeShortName, Duration.between(s.changedAt(), now)));
            return answered.isEmpty()
                ? status
                : new TypeStatus(status.lastSent(), answered, status.lastNack());
          });
    }

    /** The client NACKed the response with this nonce (the stream checked it was the latest). */
    public void nacked(String typeUrl, String typeShortName, String nonce, String message) {
      events.nacked(typeShortName);
      Instant now = clock.instant();
      update(
          typeUrl,
          status -> {
            String version =
                status
                    .lastSent()
                    .filter(s -> s.nonce().equals(nonce))
                    .map(Sent::version)
                    .orElse("");
            return new TypeStatus(
                status.lastSent(),
                status.lastAcked(),
                Optional.of(new Nack(version, nonce, message, now)));
          });
    }

    /** A new snapshot was taken up by this stream after waiting this long behind its work. */
    public void pushDequeued(Duration waited) {
      events.streamQueued(waited);
    }

    /** The stream ended: what it was sent and answered goes with it. */
    public void close() {
      byNode.computeIfPresent(
          key.nodeId(),
          (node, streams) -> {
            streams.remove(key.stream(), this);
            return streams.isEmpty() ? null : streams;
          });
    }

    private void update(String typeUrl, UnaryOperator<TypeStatus> change) {
      types.compute(typeUrl, (t, s) -> change.apply(s == null ? TypeStatus.EMPTY : s));
    }
  }
}
