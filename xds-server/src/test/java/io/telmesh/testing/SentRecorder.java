package io.telmesh.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server interceptor recording each SotW response telmesh sends: the object handed to gRPC, the
 * response it is on the wire (read back through the method's own marshaller), and the sending
 * thread.
 */
public final class SentRecorder implements ServerInterceptor {

  /** A response as the server handed it to gRPC, as a proxy reads it, and where it was sent. */
  public record Sent(Object message, DiscoveryResponse response, String thread) {}

  public final List<Sent> sent = new CopyOnWriteArrayList<>();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    // The state-of-the-world methods: StreamAggregatedResources, StreamListeners, ...
    boolean sotw = call.getMethodDescriptor().getBareMethodName().startsWith("Stream");
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendMessage(R message) {
            if (sotw) {
              sent.add(
                  new Sent(
                      message,
                      onTheWire(call.getMethodDescriptor(), message),
                      Thread.currentThread().getName()));
            }
            super.sendMessage(message);
          }
        },
        headers);
  }

  /**
   * A SotW method's response as a proxy reads it: written by the method's own marshaller, whatever
   * object the server handed gRPC.
   */
  public static <R> DiscoveryResponse onTheWire(MethodDescriptor<?, R> method, R message) {
    try (InputStream bytes = method.streamResponse(message)) {
      return DiscoveryResponse.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("a SotW response that is not a DiscoveryResponse", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
