package io.telmesh.debug;

import com.google.common.util.concurrent.MoreExecutors;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc.ClientStatusDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * {@code envoy.service.status.v3.ClientStatusDiscoveryService}: per connected proxy (selected by
 * the request's node matchers), one entry per resource with what was sent, its version, the proxy's
 * answer and the NACK details. A matcher telmesh cannot evaluate is INVALID_ARGUMENT. Answers are
 * built on an executor of their own, never on the gRPC thread that read the request: a dump of
 * every proxy takes long, and that thread may be a transport thread other streams wait on.
 */
public final class CsdsService extends ClientStatusDiscoveryServiceImplBase {

  private final ProxyViews proxies;
  private final Executor answering;

  /**
   * @param answering where answers are built and sent
   */
  public CsdsService(ProxyViews proxies, Executor answering) {
    this.proxies = proxies;
    this.answering = answering;
  }

  @Override
  public void fetchClientStatus(
      ClientStatusRequest request, StreamObserver<ClientStatusResponse> out) {
    answering.execute(
        () -> {
          try {
            out.onNext(answer(request));
            out.onCompleted();
          } catch (InvalidMatcherException e) {
            out.onError(
                Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
          }
        });
  }

  @Override
  public StreamObserver<ClientStatusRequest> streamClientStatus(
      StreamObserver<ClientStatusResponse> out) {
    // One request at a time per stream, answered in the order asked.
    Executor inOrder = MoreExecutors.newSequentialExecutor(answering);
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(ClientStatusRequest request) {
        inOrder.execute(
            () -> {
              if (failed) {
                return;
              }
              try {
                out.onNext(answer(request));
              } catch (InvalidMatcherException e) {
                failed = true;
                out.onError(
                    Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
              }
            });
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        inOrder.execute(
            () -> {
              if (!failed) {
                out.onCompleted();
              }
            });
      }
    };
  }

  private ClientStatusResponse answer(ClientStatusRequest request) throws InvalidMatcherException {
    Predicate<io.envoyproxy.envoy.config.core.v3.Node> selected =
        NodeMatchers.compile(request.getNodeMatchersList());
    ClientStatusResponse.Builder response = ClientStatusResponse.newBuilder();
    for (ProxyView proxy : proxies.all()) {
      if (selected.test(proxy.connection().sent())) {
        response.addConfig(ClientConfigs.perResource(proxy));
      }
    }
    return response.build();
  }
}
