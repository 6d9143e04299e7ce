package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Status;
import io.telmesh.node.ProxyNode;
import io.telmesh.status.ProxyStatusTracker.StreamKey;
import java.util.concurrent.Executor;

/** {@link XdsStreamFilter} for delta (incremental) streams. */
final class DeltaStreamFilter
    extends XdsStreamFilter<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {

  DeltaStreamFilter(
      StreamContext context,
      ResponseStream<DeltaDiscoveryResponse> out,
      String defaultTypeUrl,
      long number,
      Executor serial,
      Runnable onRelease) {
    super(context, out, defaultTypeUrl, number, serial, onRelease);
  }

  @Override
  protected StreamRequest read(DeltaDiscoveryRequest request) {
    return StreamRequest.of(request);
  }

  @Override
  protected DeltaDiscoveryRequest compact(DeltaDiscoveryRequest request) {
    return context.compactor().compact(request);
  }

  @Override
  protected ConfigStream<DeltaDiscoveryRequest, ?> open(StreamKey key, Executor serial) {
    return new DeltaStream(key, context.cache(), context.tracker(), out, serial);
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
