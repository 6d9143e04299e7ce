package io.telmesh.xds;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.function.ToLongFunction;

/**
 * The response side of one stream, sending only as fast as the client reads. Responses come from
 * the stream's serial executor (config) and from gRPC's thread (debug answers); they queue here,
 * unserialized (their resources are shared with every other proxy), and go to gRPC one at a time
 * while the call is ready (its transport holds less than gRPC's threshold unwritten) and the
 * server-wide {@link SendBudget} allows. A response's bytes count against the budget until the call
 * is ready again, which is when gRPC has written all but a few KB of it. After the stream ended,
 * responses are dropped rather than thrown. A cancelled call (the client went away) is reported
 * once.
 */
final class ResponseStream<T> implements StreamObserver<T> {

  private final ServerCallStreamObserver<T> delegate;
  private final ToLongFunction<? super T> size;
  private final SendBudget budget;
  private final Executor serial;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private Runnable onCancel = () -> {};
  private boolean closed;

  /** Bytes taken from the budget for responses gRPC may not have written yet. */
  private long unwritten;

  /** When {@link #unwritten} last went from none to some, in {@link System#nanoTime()}. */
  private long holdingSince;

  /** Bytes written off the budget as stalled, until the call is ready again or ends. */
  private long writtenOff;

  /** The head of the queue waits for the budget; its grant arrives on {@code serial}. */
  private boolean awaitingGrant;

  /**
   * Must be made while gRPC starts the call: the ready and cancel handlers can be set only then.
   *
   * @param size a response's size in bytes, as sent
   * @param serial where a budget grant resumes sending (the stream's own executor)
   */
  ResponseStream(
      StreamObserver<T> delegate,
      ToLongFunction<? super T> size,
      SendBudget budget,
      Executor serial) {
    this.delegate = (ServerCallStreamObserver<T>) delegate;
    this.size = size;
    this.budget = budget;
    this.serial = serial;
    this.delegate.setOnReadyHandler(this::ready);
    this.delegate.setOnCancelHandler(this::cancelled);
  }

  /** Runs when the client cancels the call (disconnects, deadline, RST_STREAM). */
  synchronized void onCancel(Runnable handler) {
    this.onCancel = handler;
  }

  @Override
  public synchronized void onNext(T value) {
    if (!closed && !delegate.isCancelled()) {
      queue.add(value);
      drain();
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    if (!closed) {
      end();
      delegate.onError(t);
    }
  }

  @Override
  public synchronized void onCompleted() {
    if (!closed) {
      end();
      delegate.onCompleted();
    }
  }

  /** Responses queued here, not yet handed to gRPC. */
  synchronized int queued() {
    return queue.size();
  }

  private void cancelled() {
    Runnable handler;
    synchronized (this) {
      end();
      handler = onCancel;
    }
    handler.run();
  }

  private synchronized void ready() {
    written();
    drain();
  }

  private void drain() {
    while (!closed && !awaitingGrant && !queue.isEmpty() && delegate.isReady()) {
      long bytes = size.applyAsLong(queue.peek());
      if (!budget.take(bytes, () -> serial.execute(() -> granted(bytes)))) {
        awaitingGrant = true;
        return;
      }
      send(bytes);
    }
  }

  private synchronized void granted(long bytes) {
    awaitingGrant = false;
    if (closed || delegate.isCancelled()) {
      budget.give(bytes);
      return;
    }
    send(bytes);
    drain();
  }

  /**
   * Writes off the bytes this stream has held for longer than {@code patience} without its client
   * reading them, so that they stop holding back every other stream.
   *
   * @return the bytes written off now, 0 if none
   */
  synchronized long writeOffIfStalled(long nowNanos, long patienceNanos) {
    if (unwritten == 0 || nowNanos - holdingSince < patienceNanos) {
      return 0;
    }
    long bytes = unwritten;
    unwritten = 0;
    writtenOff += bytes;
    budget.writeOff(bytes);
    return bytes;
  }

  private void send(long bytes) {
    if (unwritten == 0) {
      holdingSince = System.nanoTime();
    }
    unwritten += bytes;
    delegate.onNext(queue.poll());
    if (delegate.isReady()) {
      written(); // small enough that gRPC's transport took it below its threshold at once
    }
  }

  private void written() {
    budget.give(unwritten);
    unwritten = 0;
    if (writtenOff > 0) {
      budget.stalledGone(writtenOff);
      writtenOff = 0;
    }
  }

  /** The call's buffers go with it. A grant still on its way is given back when it arrives. */
  private void end() {
    closed = true;
    queue.clear();
    written();
  }
}
