package io.telmesh.xds;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How many streams may hold a response the transport has not yet written. gRPC queues whatever a
 * stream sends, ready or not, so ten thousand proxies connecting at once would each have their full
 * config (a megabyte at the reference mesh) serialized and waiting in memory. A stream takes a
 * permit before it sends and gives it back once its transport is ready again (the queued bytes are
 * written); streams without one wait, in order, and are resumed when one frees. istiod bounds its
 * concurrent pushes the same way ({@code PILOT_PUSH_THROTTLE}, 100 by default).
 *
 * <p>A client that stops reading would keep its permit for good, and a hundred of them would stop
 * every send: a permit is given back after {@code hold} whatever the transport says, so a stuck
 * client costs its own queued bytes, never the others' config.
 */
final class SendWindow {

  /** A stream waiting for a permit; resumed holding one. */
  interface Waiter {
    void resume();
  }

  private final int limit;
  private final Duration hold;
  private final ScheduledExecutorService timer;
  private final Set<Waiter> waiting = new LinkedHashSet<>();
  private int held;

  SendWindow(int limit, Duration hold, ScheduledExecutorService timer) {
    if (limit < 1) {
      throw new IllegalArgumentException("a send window needs at least one permit: " + limit);
    }
    this.limit = limit;
    this.hold = hold;
    this.timer = timer;
  }

  /** Runs {@code giveBack} once the longest a permit may be held has passed. */
  void afterHold(Runnable giveBack) {
    try {
      Future<?> unused = timer.schedule(giveBack, hold.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closing) {
      // The server is stopping: its streams end with it.
    }
  }

  /**
   * A permit now, or false and the waiter is resumed with one later (once, however often asked).
   */
  synchronized boolean acquireOrWait(Waiter waiter) {
    if (held < limit) {
      held++;
      return true;
    }
    waiting.add(waiter);
    return false;
  }

  /** Gives a permit back; the longest waiter, if any, gets it. */
  void release() {
    Waiter next;
    synchronized (this) {
      var first = waiting.iterator();
      if (!first.hasNext()) {
        held--;
        return;
      }
      next = first.next();
      first.remove();
    }
    next.resume();
  }

  /** A stream that ended waits no more. */
  synchronized void forget(Waiter waiter) {
    waiting.remove(waiter);
  }

  synchronized int held() {
    return held;
  }

  synchronized int waiting() {
    return waiting.size();
  }
}
