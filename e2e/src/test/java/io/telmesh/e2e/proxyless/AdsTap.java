package io.telmesh.e2e.proxyless;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.telmesh.testing.SentRecorder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits on telmesh's gRPC port and records, per state-of-the-world ADS stream, what each side said
 * and when: the view the tests take of the conversation. It can also break one thing on purpose:
 * for the nodes whose id contains {@code faultyNode}, the ClusterLoadAssignment of {@code
 * faultyCluster} loses its localities on the way out, which grpc-go must NACK ("a locality without
 * ID"); everything else passes untouched.
 */
final class AdsTap implements ServerInterceptor {

  /**
   * One message on one stream.
   *
   * @param names a request's resource names; for a response, the cluster names of the
   *     ClusterLoadAssignments it carries (the only resources the tests look into)
   */
  record Event(
      long stream,
      String node,
      boolean fromClient,
      String typeUrl,
      String version,
      String nonce,
      List<String> names,
      boolean nack,
      Instant at) {}

  private final String faultyNode;
  private final String faultyCluster;
  private final AtomicLong streams = new AtomicLong();
  private final List<Event> events = new CopyOnWriteArrayList<>();

  AdsTap(String faultyNode, String faultyCluster) {
    this.faultyNode = faultyNode;
    this.faultyCluster = faultyCluster;
  }

  List<Event> events() {
    return List.copyOf(events);
  }

  @Override
  public <Q, S> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, S> call, Metadata headers, ServerCallHandler<Q, S> next) {
    if (!call.getMethodDescriptor().getFullMethodName().endsWith("/StreamAggregatedResources")) {
      return next.startCall(call, headers);
    }
    long stream = streams.incrementAndGet();
    // grpc-go names its node only in a stream's first request.
    String[] node = {""};
    ServerCall<Q, S> tapped =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          /**
           * Read back through the method's own marshaller: telmesh hands gRPC its responses already
           * encoded, so the tap sees them as a proxy does, whatever object carries them.
           */
          @Override
          public void sendMessage(S message) {
            S sent = message;
            DiscoveryResponse response =
                SentRecorder.onTheWire(call.getMethodDescriptor(), message);
            DiscoveryResponse out =
                node[0].contains(faultyNode) ? withoutLocalities(response) : response;
            events.add(
                new Event(
                    stream,
                    node[0],
                    false,
                    out.getTypeUrl(),
                    out.getVersionInfo(),
                    out.getNonce(),
                    out.getResourcesList().stream().map(AdsTap::name).toList(),
                    false,
                    Instant.now()));
            if (!out.equals(response)) {
              sent = call.getMethodDescriptor().parseResponse(out.toByteString().newInput());
            }
            super.sendMessage(sent);
          }
        };
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(tapped, headers)) {
      @Override
      public void onMessage(Q message) {
        if (message instanceof DiscoveryRequest request) {
          if (request.hasNode()) {
            node[0] = request.getNode().getId();
          }
          events.add(
              new Event(
                  stream,
                  node[0],
                  true,
                  request.getTypeUrl(),
                  request.getVersionInfo(),
                  request.getResponseNonce(),
                  request.getResourceNamesList(),
                  request.hasErrorDetail(),
                  Instant.now()));
        }
        super.onMessage(message);
      }
    };
  }

  private DiscoveryResponse withoutLocalities(DiscoveryResponse response) {
    List<Any> resources = new ArrayList<>();
    for (Any resource : response.getResourcesList()) {
      if (resource.is(ClusterLoadAssignment.class)) {
        ClusterLoadAssignment assignment = unpack(resource);
        if (assignment.getClusterName().equals(faultyCluster)) {
          ClusterLoadAssignment.Builder broken = assignment.toBuilder();
          broken.getEndpointsBuilderList().forEach(l -> l.clearLocality());
          resource = Any.pack(broken.build());
        }
      }
      resources.add(resource);
    }
    return response.toBuilder().clearResources().addAllResources(resources).build();
  }

  private static String name(Any resource) {
    return resource.is(ClusterLoadAssignment.class) ? unpack(resource).getClusterName() : "";
  }

  private static ClusterLoadAssignment unpack(Any resource) {
    try {
      return resource.unpack(ClusterLoadAssignment.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
