package io.telmesh.xds;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.function.Consumer;

/**
 * The response side of one stream, shared by java-control-plane (which synchronizes its sends on
 * this object) and telmesh's own debug answers (which do too), so the two never interleave. It
 * reports every response sent, and chains telmesh's cleanup to the cancel handler the library
 * installs.
 */
final class ResponseStream<T> extends ServerCallStreamObserver<T> {

  private final ServerCallStreamObserver<T> delegate;
  private final Consumer<T> onSent;
  private final Runnable onCancel;
  private boolean closed;

  ResponseStream(ServerCallStreamObserver<T> delegate, Consumer<T> onSent, Runnable onCancel) {
    this.delegate = delegate;
    this.onSent = onSent;
    this.onCancel = onCancel;
    delegate.setOnCancelHandler(onCancel);
  }

  @Override
  public synchronized void onNext(T value) {
    if (closed) {
      return;
    }
    // Recorded first: the proxy's ACK can arrive before onNext returns.
    onSent.accept(value);
    delegate.onNext(value);
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

  @Override
  public boolean isCancelled() {
    return delegate.isCancelled();
  }

  @Override
  public void setOnCancelHandler(Runnable handler) {
    delegate.setOnCancelHandler(
        () -> {
          try {
            handler.run();
          } finally {
            onCancel.run();
          }
        });
  }

  @Override
  public void setCompression(String compression) {
    delegate.setCompression(compression);
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public void setOnReadyHandler(Runnable handler) {
    delegate.setOnReadyHandler(handler);
  }

  @Override
  public void request(int count) {
    delegate.request(count);
  }

  @Override
  public void setMessageCompression(boolean enable) {
    delegate.setMessageCompression(enable);
  }

  @Override
  public void disableAutoInboundFlowControl() {
    delegate.disableAutoInboundFlowControl();
  }
}
