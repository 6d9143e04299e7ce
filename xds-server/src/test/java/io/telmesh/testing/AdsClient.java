package io.telmesh.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw ADS client over real gRPC on loopback, standing in for a sidecar: it sends exactly the
 * requests a test writes and records every response.
 */
public final class AdsClient implements AutoCloseable {

  private final ManagedChannel channel;

  public AdsClient(int port) {
    this(
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .maxInboundMessageSize(256 * 1024 * 1024)
            .build());
  }

  /** Over a channel the test built (TLS, say); closed with this client. */
  public AdsClient(ManagedChannel channel) {
    this.channel = channel;
  }

  public Sotw sotw() {
    return sotw(new Metadata());
  }

  /** A stream whose call carries these headers too. */
  public Sotw sotw(Metadata headers) {
    Sotw stream = new Sotw();
    stream.requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .streamAggregatedResources(stream.observer);
    return stream;
  }

  /** The channel, for the per-type services. */
  public ManagedChannel channel() {
    return channel;
  }

  public Delta delta() {
    Delta stream = new Delta();
    stream.requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(stream.observer);
    return stream;
  }

  @Override
  public void close() {
    try {
      if (!channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test client's channel did not terminate within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A state-of-the-world ADS stream. */
  public static final class Sotw implements AutoCloseable {
    private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private StreamObserver<DiscoveryRequest> requests;
    private Node everyRequest;
    private final StreamObserver<DiscoveryResponse> observer =
        new StreamObserver<>() {
          @Override
          public void onNext(DiscoveryResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            closed.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            closed.complete(Status.OK);
          }
        };

    /** Sends the node on every request, as Envoy does unless told otherwise. */
    public Sotw nodeOnEveryRequest(Node node) {
      this.everyRequest = node;
      return this;
    }

    public Sotw send(DiscoveryRequest request) {
      DiscoveryRequest toSend =
          everyRequest != null && !request.hasNode()
              ? request.toBuilder().setNode(everyRequest).build()
              : request;
      synchronized (this) {
        requests.onNext(toSend);
      }
      return this;
    }

    public Sotw request(Node node, String typeUrl, List<String> names) {
      return send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(names)
              .build());
    }

    public Sotw ack(DiscoveryResponse response, List<String> names) {
      return send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setVersionInfo(response.getVersionInfo())
              .setResponseNonce(response.getNonce())
              .addAllResourceNames(names)
              .build());
    }

    public Sotw nack(
        DiscoveryResponse response, String previousVersion, List<String> names, String error) {
      return send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setVersionInfo(previousVersion)
              .setResponseNonce(response.getNonce())
              .addAllResourceNames(names)
              .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage(error))
              .build());
    }

    /** The next response, failing the test if none arrives in time. */
    public DiscoveryResponse next(Duration timeout) throws InterruptedException {
      DiscoveryResponse response = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (response == null) {
        throw new AssertionError(
            "no response within "
                + timeout
                + (closed.isDone() ? "; stream closed: " + closed.getNow(null) : ""));
      }
      return response;
    }

    /**
     * The next response, or the status the stream ended with instead (refusals), whichever comes
     * first; fails the test when neither comes in time.
     */
    public Object nextOrEnd(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        DiscoveryResponse response = responses.poll(20, TimeUnit.MILLISECONDS);
        if (response != null) {
          return response;
        }
        if (closed.isDone()) {
          return closed.getNow(null);
        }
      }
      throw new AssertionError("no response and no end within " + timeout);
    }

    /** The next response of one type, skipping others (recorded in {@code skipped}). */
    public DiscoveryResponse next(String typeUrl, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        DiscoveryResponse response =
            next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (response.getTypeUrl().equals(typeUrl)) {
          return response;
        }
      }
    }

    /** Every response received within the window. */
    public List<DiscoveryResponse> drain(Duration window) throws InterruptedException {
      Thread.sleep(window.toMillis());
      List<DiscoveryResponse> all = new java.util.ArrayList<>();
      responses.drainTo(all);
      return all;
    }

    public CompletableFuture<Status> closed() {
      return closed;
    }

    @Override
    public void close() {
      try {
        requests.onCompleted();
      } catch (IllegalStateException e) {
        // already closed by the server
      }
    }
  }

  /** A delta (incremental) ADS stream. */
  public static final class Delta implements AutoCloseable {
    private final BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private StreamObserver<DeltaDiscoveryRequest> requests;
    private final StreamObserver<DeltaDiscoveryResponse> observer =
        new StreamObserver<>() {
          @Override
          public void onNext(DeltaDiscoveryResponse value) {
            responses.add(value);
          }

          @Override
          public void onError(Throwable t) {
            closed.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            closed.complete(Status.OK);
          }
        };

    public Delta send(DeltaDiscoveryRequest request) {
      synchronized (this) {
        requests.onNext(request);
      }
      return this;
    }

    public Delta subscribe(Node node, String typeUrl, List<String> names) {
      DeltaDiscoveryRequest.Builder request =
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(typeUrl)
              .addAllResourceNamesSubscribe(names);
      if (node != null) {
        request.setNode(node);
      }
      return send(request.build());
    }

    public Delta ack(DeltaDiscoveryResponse response) {
      return send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce())
              .build());
    }

    public Delta nack(DeltaDiscoveryResponse response, String error) {
      return send(
          DeltaDiscoveryRequest.newBuilder()
              .setTypeUrl(response.getTypeUrl())
              .setResponseNonce(response.getNonce())
              .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage(error))
              .build());
    }

    public DeltaDiscoveryResponse next(Duration timeout) throws InterruptedException {
      DeltaDiscoveryResponse response = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (response == null) {
        throw new AssertionError(
            "no delta response within "
                + timeout
                + (closed.isDone() ? "; stream closed: " + closed.getNow(null) : ""));
      }
      return response;
    }

    public DeltaDiscoveryResponse next(String typeUrl, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        DeltaDiscoveryResponse response =
            next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        if (response.getTypeUrl().equals(typeUrl)) {
          return response;
        }
      }
    }

    public List<DeltaDiscoveryResponse> drain(Duration window) throws InterruptedException {
      Thread.sleep(window.toMillis());
      List<DeltaDiscoveryResponse> all = new java.util.ArrayList<>();
      responses.drainTo(all);
      return all;
    }

    public CompletableFuture<Status> closed() {
      return closed;
    }

    @Override
    public void close() {
      try {
        requests.onCompleted();
      } catch (IllegalStateException e) {
        // already closed by the server
      }
    }
  }
}
