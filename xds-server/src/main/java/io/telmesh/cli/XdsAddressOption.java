package io.telmesh.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/**
 * {@code --xds-address HOST:PORT}, and one debug request over ADS to it, as istioctl asks istiod: a
 * debug node ({@code GENERATOR: event}) that never receives sidecar config.
 */
final class XdsAddressOption {

  private static final Node DEBUG_NODE =
      Node.newBuilder()
          .setId("debug~0.0.0.0~telmesh-cli~cluster.local")
          .setMetadata(
              Struct.newBuilder()
                  .putFields("GENERATOR", Value.newBuilder().setStringValue("event").build()))
          .build();

  @Option(
      names = "--xds-address",
      paramLabel = "HOST:PORT",
      defaultValue = "localhost:15010",
      description = "The telmesh xDS endpoint (default: ${DEFAULT-VALUE}).")
  String address;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long to wait (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** Sends one debug request and returns the answer; every failure is one clear line. */
  DiscoveryResponse ask(String typeUrl, List<String> names) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || !address.substring(colon + 1).matches("\\d{1,5}")) {
      throw UserError.usage("--xds-address '" + address + "' is not HOST:PORT");
    }
    String host = address.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
    int port = Integer.parseInt(address.substring(colon + 1));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(host, port)
            .usePlaintext()
            .maxInboundMessageSize(512 * 1024 * 1024)
            .build();
    CompletableFuture<DiscoveryResponse> answer = new CompletableFuture<>();
    try {
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
              .streamAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {
                      answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                      answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                      answer.completeExceptionally(
                          new IllegalStateException(
                              "the server ended the stream without answering"));
                    }
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(DEBUG_NODE)
              .setTypeUrl(typeUrl)
              .addAllResourceNames(names)
              .build());
      DiscoveryResponse response = answer.get(timeoutSeconds, TimeUnit.SECONDS);
      requests.onCompleted();
      return response;
    } catch (ExecutionException e) {
      Status status =
          e.getCause() instanceof StatusRuntimeException s
              ? s.getStatus()
              : Status.fromThrowable(e.getCause());
      throw new UserError(
          "cannot read "
              + typeUrl
              + " from the control plane at "
              + address
              + ": "
              + status.getCode()
              + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"));
    } catch (TimeoutException e) {
      throw new UserError(
          "no answer from the control plane at " + address + " within " + timeoutSeconds + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted");
    } finally {
      channel.shutdownNow();
    }
  }
}
