package io.telmesh.xds;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * The response side of one stream. Responses come from the stream's serial executor (config) and
 * from gRPC's thread (debug answers), so sends are serialized here; after the stream ended, sends
 * are dropped rather than thrown. A cancelled call (the client went away) is reported once.
 */
final class ResponseStream<T> implements StreamObserver<T> {

  private final ServerCallStreamObserver<T> delegate;
  private boolean closed;

  ResponseStream(StreamObserver<T> delegate) {
    this.delegate = (ServerCallStreamObserver<T>) delegate;
  }

  /** Runs when the client cancels the call (disconnects, deadline, RST_STREAM). */
  void onCancel(Runnable handler) {
    delegate.setOnCancelHandler(handler);
  }

  @Override
  public synchronized void onNext(T value) {
    if (!closed && !delegate.isCancelled()) {
      delegate.onNext(value);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    if (!closed) {
      closed = true;
      delegate.onError(t);
    }
  }

  @Override
  public synchronized void onCompleted() {
    if (!closed) {
      closed = true;
      delegate.onCompleted();
    }
  }
}
