package io.telmesh.status;

import io.telmesh.snapshot.Responded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per proxy and xDS type: the last response sent, the last one ACKed and the last NACK. Fed by the
 * stream filter, which sees every request and response of every stream.
 */
public final class ProxyStatusTracker {

  /**
   * A response as sent. {@code changedAt} is when the source change it carries happened; {@code
   * content} what it carried (references to shared snapshots), when known.
   */
  public record Sent(
      String version,
      String nonce,
      Instant at,
      Instant changedAt,
      int resources,
      Optional<Responded> content) {}

  /** A NACK: the version refused and the proxy's error message. */
  public record Nack(String version, String nonce, String message, Instant at) {}

  /** The status of one type for one proxy. */
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
  }

  private final Map<String, Map<String, TypeStatus>> byNode = new ConcurrentHashMap<>();
  private final Clock clock;
  private final XdsEvents events;

  public ProxyStatusTracker(Clock clock, XdsEvents events) {
    this.clock = clock;
    this.events = events;
  }

  public void sent(
      String nodeId,
      String typeUrl,
      String typeShortName,
      String version,
      String nonce,
      Instant changedAt,
      int resources,
      Optional<Responded> content) {
    Sent sent = new Sent(version, nonce, clock.instant(), changedAt, resources, content);
    types(nodeId)
        .compute(
            typeUrl,
            (t, s) -> {
              TypeStatus status = s == null ? TypeStatus.EMPTY : s;
              return new TypeStatus(Optional.of(sent), status.lastAcked(), status.lastNack());
            });
    events.pushed(typeShortName);
  }

  /** A request answering a response: ACK when {@code error} is empty, NACK otherwise. */
  public void answered(
      String nodeId, String typeUrl, String typeShortName, String nonce, Optional<String> error) {
    if (nonce.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    types(nodeId)
        .computeIfPresent(
            typeUrl,
            (t, status) -> {
              Optional<Sent> answered = status.lastSent().filter(s -> s.nonce().equals(nonce));
              if (answered.isEmpty()) {
                return status; // a stale nonce: answers a response already superseded
              }
              if (error.isPresent()) {
                events.nacked(typeShortName);
                return new TypeStatus(
                    status.lastSent(),
                    status.lastAcked(),
                    Optional.of(new Nack(answered.get().version(), nonce, error.get(), now)));
              }
              events.converged(typeShortName, Duration.between(answered.get().changedAt(), now));
              return new TypeStatus(status.lastSent(), answered, status.lastNack());
            });
  }

  public Map<String, TypeStatus> status(String nodeId) {
    return Map.copyOf(byNode.getOrDefault(nodeId, Map.of()));
  }

  public void forget(String nodeId) {
    byNode.remove(nodeId);
  }

  private Map<String, TypeStatus> types(String nodeId) {
    return byNode.computeIfAbsent(nodeId, n -> new ConcurrentHashMap<>());
  }
}
