package io.telmesh.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.telmesh.node.ProxyNode;
import java.util.concurrent.Executor;

/** {@link XdsStreamFilter} for delta (incremental) streams. */
final class DeltaStreamFilter extends XdsStreamFilter<DeltaDiscoveryRequest> {

  private final Executor serial;
  private ResponseStream<DeltaDiscoveryResponse> out;
  private volatile DeltaStream stream;
  private volatile boolean released;

  DeltaStreamFilter(StreamContext context, String defaultTypeUrl, Executor serial) {
    super(context, defaultTypeUrl);
    this.serial = serial;
  }

  void responses(ResponseStream<DeltaDiscoveryResponse> responses) {
    this.out = responses;
  }

  void sent(DeltaDiscoveryResponse response) {
    recordSent(
        response.getTypeUrl(),
        response.getSystemVersionInfo(),
        response.getNonce(),
        response.getResourcesCount());
  }

  @Override
  protected StreamRequest read(DeltaDiscoveryRequest request) {
    return StreamRequest.of(request);
  }

  @Override
  protected void forward(String typeUrl, DeltaDiscoveryRequest request, Node node) {
    if (stream == null) {
      stream = new DeltaStream(node().id(), context.cache(), out, serial);
      if (released) {
        stream.close(); // cancelled meanwhile
      }
    }
    stream.request(typeUrl, request);
  }

  @Override
  protected void terminate(Status status) {
    out.onError(status.asRuntimeException());
  }

  @Override
  protected void clientFailed(Throwable t) {
    // The call is over; there is no one to answer.
  }

  @Override
  protected void clientCompleted() {
    out.onCompleted();
  }

  @Override
  void release() {
    super.release();
    released = true;
    if (stream != null) {
      stream.close();
    }
  }

  @Override
  protected void answerUnknownType(DeltaDiscoveryRequest request, String typeUrl, String nonce) {
    if (!request.getResponseNonce().isEmpty() && request.getResourceNamesSubscribeCount() == 0) {
      return; // the ACK of our answer
    }
    // Nothing of an unknown type exists: say so for every name asked for.
    out.onNext(
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(typeUrl)
            .setNonce(nonce)
            .addAllRemovedResources(request.getResourceNamesSubscribeList())
            .build());
  }

  @Override
  protected void answerDebug(
      ProxyNode client, DeltaDiscoveryRequest request, String typeUrl, String nonce) {
    fail(
        Status.UNIMPLEMENTED.withDescription(
            "debug types are served on state-of-the-world ADS streams only"));
  }
}
