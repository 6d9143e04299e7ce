package io.telmesh.auth;

import io.grpc.ServerCall;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A call's listener while the call waits to start (its caller being authenticated elsewhere): the
 * transport's callbacks are kept, in order, and handed to the real listener once there is one.
 * Until the real handler asks for messages none arrive, so what is kept is a readiness signal or a
 * cancellation. Callbacks never run concurrently: the thread that starts the call hands over what
 * was kept while later callbacks still queue behind it, and only once the queue is empty do they go
 * straight through.
 */
final class PendingListener<Q> extends ServerCall.Listener<Q> {

  private final Object lock = new Object();
  private List<Consumer<ServerCall.Listener<Q>>> kept = new ArrayList<>();
  private volatile ServerCall.Listener<Q> real;

  /** From now on callbacks go to {@code listener}, after those kept so far. */
  void start(ServerCall.Listener<Q> listener) {
    while (true) {
      List<Consumer<ServerCall.Listener<Q>>> handOver;
      synchronized (lock) {
        if (kept.isEmpty()) {
          real = listener;
          kept = List.of();
          return;
        }
        handOver = kept;
        kept = new ArrayList<>();
      }
      handOver.forEach(callback -> callback.accept(listener));
    }
  }

  private void deliver(Consumer<ServerCall.Listener<Q>> callback) {
    ServerCall.Listener<Q> listener = real;
    if (listener == null) {
      synchronized (lock) {
        listener = real;
        if (listener == null) {
          kept.add(callback);
          return;
        }
      }
    }
    callback.accept(listener);
  }

  @Override
  public void onMessage(Q message) {
    deliver(listener -> listener.onMessage(message));
  }

  @Override
  public void onHalfClose() {
    deliver(ServerCall.Listener::onHalfClose);
  }

  @Override
  public void onCancel() {
    deliver(ServerCall.Listener::onCancel);
  }

  @Override
  public void onComplete() {
    deliver(ServerCall.Listener::onComplete);
  }

  @Override
  public void onReady() {
    deliver(ServerCall.Listener::onReady);
  }
}
