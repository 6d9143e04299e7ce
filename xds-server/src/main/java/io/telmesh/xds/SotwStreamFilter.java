package io.telmesh.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.telmesh.node.ProxyNode;
import io.telmesh.snapshot.Subscription;

/** {@link XdsStreamFilter} for state-of-the-world streams. */
final class SotwStreamFilter extends XdsStreamFilter<DiscoveryRequest> {

  private ResponseStream<DiscoveryResponse> out;
  private StreamObserver<DiscoveryRequest> library;

  SotwStreamFilter(StreamContext context, String defaultTypeUrl) {
    super(context, defaultTypeUrl);
  }

  void responses(ResponseStream<DiscoveryResponse> responses) {
    this.out = responses;
  }

  /** java-control-plane's handler for this stream's requests. */
  void attach(StreamObserver<DiscoveryRequest> libraryObserver) {
    this.library = libraryObserver;
  }

  void sent(DiscoveryResponse response) {
    recordSent(
        response.getTypeUrl(),
        response.getVersionInfo(),
        response.getNonce(),
        response.getResourcesCount());
  }

  @Override
  protected StreamRequest read(DiscoveryRequest request) {
    return StreamRequest.of(request);
  }

  @Override
  protected void forward(String typeUrl, DiscoveryRequest request, Node node) {
    if (request.hasNode() && request.getResourceNamesCount() == 0) {
      library.onNext(request);
      return;
    }
    DiscoveryRequest.Builder filled = request.toBuilder();
    if (!request.hasNode()) {
      filled.setNode(node);
    }
    if (request.getResourceNamesCount() > 0) {
      // The library parks the request until the next push; with the names swapped for the interned
      // list every proxy shares, a parked EDS request costs pointers, not a thousand strings.
      filled
          .clearResourceNames()
          .addAllResourceNames(
              Subscription.of(request.getResourceNamesList()).names().orElseThrow());
    }
    library.onNext(filled.build());
  }

  @Override
  protected void terminate(Status status) {
    library.onError(status.asRuntimeException());
  }

  @Override
  protected void clientFailed(Throwable t) {
    library.onError(t);
  }

  @Override
  protected void clientCompleted() {
    library.onCompleted();
  }

  @Override
  protected void answerUnknownType(DiscoveryRequest request, String typeUrl, String nonce) {
    if (!request.getResponseNonce().isEmpty()) {
      return; // the ACK of our empty answer
    }
    out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce).build());
  }

  @Override
  protected void answerDebug(
      ProxyNode client, DiscoveryRequest request, String typeUrl, String nonce) {
    if (!request.getResponseNonce().isEmpty() && !request.hasErrorDetail()) {
      return; // an ACK; debug clients ask again for fresh data
    }
    DiscoveryResponse response =
        context.debug().respond(client, request.toBuilder().setTypeUrl(typeUrl).build());
    out.onNext(response.toBuilder().setTypeUrl(typeUrl).setNonce(nonce).build());
  }
}
