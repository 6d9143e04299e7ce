package io.telmesh.testing;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server interceptor recording each SotW response object telmesh sends and the sending thread.
 */
public final class SentRecorder implements ServerInterceptor {

  public final List<StockServer.Sent> sent = new CopyOnWriteArrayList<>();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {
            if (message instanceof DiscoveryResponse response) {
              sent.add(new StockServer.Sent(response, Thread.currentThread().getName()));
            }
            super.sendMessage(message);
          }
        },
        headers);
  }
}
