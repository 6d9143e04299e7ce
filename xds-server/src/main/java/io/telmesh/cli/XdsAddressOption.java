package io.telmesh.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.telmesh.auth.BearerTokenCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
      names = "--xds-root-cert",
      paramLabel = "FILE",
      description =
          "Connect with TLS (telmesh's --secure-port), trusting this CA file; the address's host"
              + " must be in the serving certificate's names.")
  Path rootCert;

  @Option(
      names = "--xds-token",
      paramLabel = "FILE",
      description =
          "With --xds-root-cert: send this service-account token (e.g. from kubectl create token)"
              + " as \"authorization: Bearer\"; debug requests need an operator's.")
  Path tokenFile;

  @Option(
      names = "--xds-client-cert",
      paramLabel = "FILE",
      description =
          "With --xds-root-cert: present this client certificate (a SPIFFE ID) and"
              + " --xds-client-key.")
  Path clientCert;

  @Option(
      names = "--xds-client-key",
      paramLabel = "FILE",
      description = "PKCS#8 key of --xds-client-cert.")
  Path clientKey;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long to wait (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** Plaintext, or TLS with what the caller proves itself with. */
  private ChannelCredentials credentials() {
    if (rootCert == null) {
      if (tokenFile != null || clientCert != null || clientKey != null) {
        throw UserError.usage(
            "--xds-token and --xds-client-cert need --xds-root-cert: credentials only go over TLS");
      }
      return InsecureChannelCredentials.create();
    }
    if ((clientCert == null) != (clientKey == null)) {
      throw UserError.usage("--xds-client-cert and --xds-client-key go together");
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    try {
      tls.trustManager(rootCert.toFile());
      if (clientCert != null) {
        tls.keyManager(clientCert.toFile(), clientKey.toFile());
      }
    } catch (IOException | RuntimeException e) {
      throw new UserError("cannot read the TLS files: " + e.getMessage());
    }
    if (tokenFile == null) {
      return tls.build();
    }
    String token;
    try {
      token = Files.readString(tokenFile).strip();
    } catch (IOException e) {
      throw new UserError("--xds-token " + tokenFile + " cannot be read");
    }
    if (token.isEmpty()) {
      throw new UserError("--xds-token " + tokenFile + " is empty");
    }
    return CompositeChannelCredentials.create(tls.build(), new BearerTokenCredentials(token));
  }

  /** Sends one debug request and returns the answer; every failure is one clear line. */
  DiscoveryResponse ask(String typeUrl, List<String> names) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || !address.substring(colon + 1).matches("\\d{1,5}")) {
      throw UserError.usage("--xds-address '" + address + "' is not HOST:PORT");
    }
    String host = address.substring(0, colon).replaceAll("^\\[(.*)]$", "$1");
    int port = Integer.parseInt(address.substring(colon + 1));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(host, port, credentials())
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
