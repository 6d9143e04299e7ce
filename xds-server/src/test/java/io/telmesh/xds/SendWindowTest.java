package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SendWindowTest {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void beyondTheLimitStreamsWaitAndAreResumedInOrderOnceEach() {
    SendWindow window = new SendWindow(2, Duration.ofMinutes(1), timer);
    List<String> resumed = new ArrayList<>();
    SendWindow.Waiter a = () -> resumed.add("a");
    SendWindow.Waiter b = () -> resumed.add("b");
    SendWindow.Waiter c = () -> resumed.add("c");
    assertThat(window.acquireOrWait(a)).isTrue();
    assertThat(window.acquireOrWait(b)).isTrue();
    assertThat(window.acquireOrWait(c)).isFalse();
    assertThat(window.acquireOrWait(c)).as("asked again, still one place in line").isFalse();
    assertThat(window.waiting()).isEqualTo(1);

    window.release(); // a's permit goes straight to c
    assertThat(resumed).containsExactly("c");
    assertThat(window.held()).isEqualTo(2);
    window.release();
    window.release();
    assertThat(window.held()).isZero();
    assertThat(resumed).containsExactly("c");
  }

  @Test
  void aStreamThatEndsWaitsNoMore() {
    SendWindow window = new SendWindow(1, Duration.ofMinutes(1), timer);
    List<String> resumed = new ArrayList<>();
    SendWindow.Waiter gone = () -> resumed.add("gone");
    assertThat(window.acquireOrWait(() -> {})).isTrue();
    assertThat(window.acquireOrWait(gone)).isFalse();
    window.forget(gone);
    window.release();
    assertThat(resumed).isEmpty();
    assertThat(window.held()).isZero();
  }

  @Test
  void theHoldTimerRunsAfterTheHold() throws InterruptedException {
    SendWindow window = new SendWindow(1, Duration.ofMillis(50), timer);
    CountDownLatch given = new CountDownLatch(1);
    window.afterHold(given::countDown);
    assertThat(given.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWindowNeedsAPermit() {
    assertThatThrownBy(() -> new SendWindow(0, Duration.ofSeconds(1), timer))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
