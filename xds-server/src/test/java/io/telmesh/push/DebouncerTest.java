package io.telmesh.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Debouncer} on a manual clock and scheduler: time moves only when the test says so, and a
 * task due at an instant runs before a change made at that same instant. Times are milliseconds
 * from the start; a fire reads {@code <when it fired> from <the instant its burst started>}.
 */
class DebouncerTest {

  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  record Row(String name, long quiet, long max, List<Long> changes, List<String> expectedFires) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("no change, no fire", 100, 1000, List.of(), List.of()),
        new Row("one change fires quiet after it", 100, 1000, List.of(0L), List.of("100 from 0")),
        new Row(
            "a burst within quiet fires once, quiet after its last change, from its first",
            100,
            1000,
            List.of(0L, 30L, 60L, 90L),
            List.of("190 from 0")),
        new Row(
            "a continuous stream still fires at max after its first change, then again",
            100,
            300,
            every(50, 0, 500),
            List.of("300 from 0", "600 from 300")),
        new Row(
            // Firing before quiet has passed would defeat the debounce for every burst.
            "max < quiet is treated as quiet: a single change waits quiet",
            100,
            40,
            List.of(0L),
            List.of("100 from 0")),
        new Row(
            "max < quiet is treated as quiet: a burst is capped at quiet after its start",
            100,
            40,
            List.of(0L, 60L),
            List.of("100 from 0")),
        new Row(
            "after firing, the next change starts a new window",
            100,
            1000,
            List.of(0L, 150L, 200L),
            List.of("100 from 0", "300 from 150")),
        new Row(
            "a change at the instant of a fire starts the next window",
            100,
            1000,
            List.of(0L, 100L),
            List.of("100 from 0", "200 from 100")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void fires(Row row) {
    ManualScheduler scheduler = new ManualScheduler();
    List<String> fires = new ArrayList<>();
    Debouncer debouncer =
        new Debouncer(
            scheduler,
            Duration.ofMillis(row.quiet()),
            Duration.ofMillis(row.max()),
            scheduler.clock(),
            started -> fires.add(scheduler.millis() + " from " + millis(started)));

    for (long at : row.changes()) {
      scheduler.advanceTo(at);
      debouncer.changed();
    }
    scheduler.advanceTo(60_000);

    assertThat(fires).containsExactlyElementsOf(row.expectedFires());
  }

  /**
   * A change that arrives after a fire's task has started but before {@code fire} takes the burst
   * (the push thread waiting for the lock while a source thread is in {@code changed}) schedules a
   * task that {@code fire} then forgets: it clears {@code scheduled} without cancelling it. That
   * orphan fires the next burst early; under a continuous stream each early fire orphans the next
   * task, so pushes come every {@code quiet} instead of every {@code max}.
   */
  @Test
  void aChangeRacingAFireLeavesNoTaskThatFiresTheNextBurstEarly() throws Exception {
    ManualScheduler scheduler = new ManualScheduler();
    List<Long> fires = new ArrayList<>();
    Debouncer debouncer =
        new Debouncer(
            scheduler,
            Duration.ofMillis(100),
            Duration.ofMillis(1000),
            scheduler.clock(),
            started -> fires.add(scheduler.millis()));

    debouncer.changed();
    Thread pushThread = new Thread(() -> scheduler.advanceTo(100));
    synchronized (debouncer) {
      pushThread.start();
      while (pushThread.getState() != Thread.State.BLOCKED) {
        Thread.onSpinWait();
      }
      // The push thread is in fire(), waiting for the lock this (source) thread holds.
      debouncer.changed();
    }
    pushThread.join();
    scheduler.advanceTo(150);
    debouncer.changed();
    scheduler.advanceTo(60_000);

    // Whether the racing change gets a push of its own or not, the change at 150 must wait quiet.
    assertThat(fires).noneMatch(t -> t > 150 && t < 250).contains(250L);
  }

  private static List<Long> every(long step, long from, long to) {
    return LongStream.iterate(from, t -> t <= to, t -> t + step).boxed().toList();
  }

  private static long millis(Instant instant) {
    return Duration.between(START, instant).toMillis();
  }

  /**
   * A scheduler whose time moves only in {@link #advanceTo}, running due tasks in order of due
   * time, then of scheduling; cancelled tasks never run.
   */
  static final class ManualScheduler extends AbstractExecutorService
      implements ScheduledExecutorService {

    private final List<Task> tasks = new ArrayList<>();
    private volatile Instant now = START;
    private long sequence;

    Clock clock() {
      return new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };
    }

    long millis() {
      return DebouncerTest.millis(now);
    }

    void advanceTo(long millis) {
      Instant until = START.plusMillis(millis);
      while (true) {
        Task next;
        synchronized (this) {
          next =
              tasks.stream()
                  .filter(t -> !t.due.isAfter(until))
                  .min(Comparator.comparing((Task t) -> t.due).thenComparingLong(t -> t.sequence))
                  .orElse(null);
          if (next == null) {
            break;
          }
          tasks.remove(next);
          now = next.due;
          next.started = true;
        }
        next.command.run();
      }
      now = until;
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      assertThat(delay).as("delay").isNotNegative();
      Task task = new Task(now.plusNanos(unit.toNanos(delay)), sequence++, command);
      tasks.add(task);
      return task;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(
        Runnable command, long initialDelay, long period, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
        Runnable command, long initialDelay, long delay, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }

    private final class Task implements ScheduledFuture<Object> {
      final Instant due;
      final long sequence;
      final Runnable command;
      boolean started;
      boolean cancelled;

      Task(Instant due, long sequence, Runnable command) {
        this.due = due;
        this.sequence = sequence;
        this.command = command;
      }

      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        synchronized (ManualScheduler.this) {
          if (started || cancelled) {
            return false;
          }
          cancelled = true;
          tasks.remove(this);
          return true;
        }
      }

      @Override
      public boolean isCancelled() {
        return cancelled;
      }

      @Override
      public boolean isDone() {
        return started || cancelled;
      }

      @Override
      public Object get() {
        return null;
      }

      @Override
      public Object get(long timeout, TimeUnit unit) {
        return null;
      }

      @Override
      public long getDelay(TimeUnit unit) {
        return unit.convert(Duration.between(now, due));
      }

      @Override
      public int compareTo(Delayed other) {
        return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
      }
    }
  }
}
