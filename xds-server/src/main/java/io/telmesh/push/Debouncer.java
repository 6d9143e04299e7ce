package io.telmesh.push;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Collapses bursts of changes: fires {@code quiet} after the last change, but never later than
 * {@code max} after the first one, so a constantly changing source still gets pushed. The action
 * receives when the burst started.
 */
final class Debouncer {

  private final ScheduledExecutorService executor;
  private final Duration quiet;
  private final Duration max;
  private final Clock clock;
  private final Consumer<Instant> action;
  private Instant firstChange;
  private ScheduledFuture<?> scheduled;

  Debouncer(
      ScheduledExecutorService executor,
      Duration quiet,
      Duration max,
      Clock clock,
      Consumer<Instant> action) {
    this.executor = executor;
    this.quiet = quiet;
    this.max = max.compareTo(quiet) < 0 ? quiet : max;
    this.clock = clock;
    this.action = action;
  }

  synchronized void changed() {
    Instant now = clock.instant();
    if (firstChange == null) {
      firstChange = now;
    }
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    Duration untilMax = Duration.between(now, firstChange.plus(max));
    Duration delay = untilMax.compareTo(quiet) < 0 ? untilMax : quiet;
    scheduled = executor.schedule(this::fire, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
  }

  private void fire() {
    Instant started;
    synchronized (this) {
      started = firstChange;
      firstChange = null;
      if (scheduled != null) {
        // A change that raced this firing scheduled another task; this firing covers it.
        scheduled.cancel(false);
        scheduled = null;
      }
    }
    if (started != null) {
      action.accept(started);
    }
  }
}
