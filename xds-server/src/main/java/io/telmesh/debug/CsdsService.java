package io.telmesh.debug;

import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc.ClientStatusDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Predicate;

/**
 * {@code envoy.service.status.v3.ClientStatusDiscoveryService}: per connected proxy (selected by
 * the request's node matchers), one entry per resource with what was sent, its version, the proxy's
 * answer and the NACK details. A matcher telmesh cannot evaluate is INVALID_ARGUMENT.
 */
public final class CsdsService extends ClientStatusDiscoveryServiceImplBase {

  private final ProxyViews proxies;

  public CsdsService(ProxyViews proxies) {
    this.proxies = proxies;
  }

  @Override
  public void fetchClientStatus(
      ClientStatusRequest request, StreamObserver<ClientStatusResponse> out) {
    try {
      out.onNext(answer(request));
      out.onCompleted();
    } catch (InvalidMatcherException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
    }
  }

  @Override
  public StreamObserver<ClientStatusRequest> streamClientStatus(
      StreamObserver<ClientStatusResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientStatusRequest request) {
        try {
          ClientStatusResponse response = answer(request);
          synchronized (out) {
            out.onNext(response);
          }
        } catch (InvalidMatcherException e) {
          out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
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
