package io.telmesh.xds;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of responses handed to gRPC and not yet written to their sockets, across all streams,
 * and a limit on them. gRPC serializes a message into direct buffers as soon as it is sent, and
 * keeps them until the client reads it; ten thousand sidecars each being sent a 1.4 MB first push
 * would need gigabytes. A stream that would go over the limit waits its turn, first come first
 * served; one response alone may always go, however large, so that none waits forever.
 *
 * <p>A proxy that stops reading would hold its share for ever, and a few hundred such would stall
 * every other proxy's config; so bytes held too long are written off ({@link #writeOff}): they stop
 * counting against the limit and are counted as stalled until their stream is written or ends.
 */
final class SendBudget {

  private final long limit;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private long inFlight;
  private long stalled;

  private record Waiter(long bytes, Runnable granted) {}

  /**
   * @param limit bytes in flight above which sends wait
   */
  SendBudget(long limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("send buffer must be positive: " + limit);
    }
    this.limit = limit;
  }

  /**
   * Takes the bytes now if they fit and nobody waits before, or queues the request.
   *
   * @param granted run once the bytes are taken on the caller's behalf, if they were not now (on
   *     the thread that gave bytes back; it should only hand the send to the stream's own thread)
   * @return whether the bytes were taken now
   */
  synchronized boolean take(long bytes, Runnable granted) {
    if (waiting.isEmpty() && fits(bytes)) {
      inFlight += bytes;
      return true;
    }
    waiting.add(new Waiter(bytes, granted));
    return false;
  }

  /** Gives bytes back and grants what now fits to those waiting, in order. */
  void give(long bytes) {
    if (bytes == 0) {
      return;
    }
    List<Runnable> granted = new ArrayList<>();
    synchronized (this) {
      inFlight -= bytes;
      while (!waiting.isEmpty() && fits(waiting.peek().bytes())) {
        Waiter next = waiting.poll();
        inFlight += next.bytes();
        granted.add(next.granted());
      }
    }
    granted.forEach(Runnable::run);
  }

  /** Bytes a stream has held too long stop holding others back; they count as stalled instead. */
  void writeOff(long bytes) {
    synchronized (this) {
      stalled += bytes;
    }
    give(bytes);
  }

  /** Stalled bytes were written at last, or went with their stream. */
  synchronized void stalledGone(long bytes) {
    stalled -= bytes;
  }

  synchronized long stalled() {
    return stalled;
  }

  synchronized long inFlight() {
    return inFlight;
  }

  synchronized int waiting() {
    return waiting.size();
  }

  private boolean fits(long bytes) {
    return inFlight == 0 || inFlight + bytes <= limit;
  }
}
