package io.telmesh.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ServerCall;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PendingListenerTest {

  private final List<String> seen = new CopyOnWriteArrayList<>();

  /** Notes callbacks; its onReady waits for {@code gate}, as a slow handler would. */
  private ServerCall.Listener<String> recording(CountDownLatch gate) {
    return new ServerCall.Listener<>() {
      @Override
      public void onReady() {
        seen.add("ready");
        try {
          gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        seen.add("ready done");
      }

      @Override
      public void onMessage(String message) {
        seen.add("message " + message);
      }

      @Override
      public void onCancel() {
        seen.add("cancel");
      }

      @Override
      public void onHalfClose() {
        seen.add("half-close");
      }
    };
  }

  @Test
  void callbacksBeforeTheStartAreHandedOverInOrderAndLaterOnesGoStraightThrough() {
    PendingListener<String> pending = new PendingListener<>();
    pending.onMessage("a");
    pending.onHalfClose();
    assertThat(seen).isEmpty();

    pending.start(recording(new CountDownLatch(0)));
    assertThat(seen).containsExactly("message a", "half-close");

    pending.onCancel();
    assertThat(seen).containsExactly("message a", "half-close", "cancel");
  }

  @Test
  void aCallbackDuringTheHandOverWaitsItsTurnAndNeverRunsBesideIt() throws Exception {
    PendingListener<String> pending = new PendingListener<>();
    pending.onReady();
    CountDownLatch gate = new CountDownLatch(1);
    Thread starter = new Thread(() -> pending.start(recording(gate)));
    starter.start();
    while (!seen.contains("ready")) {
      Thread.onSpinWait();
    }

    Thread transport = new Thread(pending::onCancel);
    transport.start();
    transport.join(10_000);
    assertThat(transport.isAlive()).as("the transport thread does not wait").isFalse();
    assertThat(seen).as("the cancel waits for the hand-over").containsExactly("ready");

    gate.countDown();
    starter.join(10_000);
    assertThat(seen).containsExactly("ready", "ready done", "cancel");
  }
}
