package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.node.ProxyNode;
import io.telmesh.status.ProxyStatusTracker.StreamKey;
import java.util.concurrent.Executor;

/** {@link XdsStreamFilter} for state-of-the-world streams. */
final class SotwStreamFilter extends XdsStreamFilter<DiscoveryRequest, EncodedResponse> {

  SotwStreamFilter(
      StreamContext context,
      ResponseStream<EncodedResponse> out,
      String defaultTypeUrl,
      long number,
      Executor serial,
      Runnable onRelease) {
    super(context, out, defaultTypeUrl, number, serial, onRelease);
  }

  @Override
  protected StreamRequest read(DiscoveryRequest request) {
    return StreamRequest.of(request);
  }

  @Override
  protected DiscoveryRequest compact(DiscoveryRequest request) {
    return context.compactor().compact(request);
  }

  @Override
  protected ConfigStream<DiscoveryRequest, ?> open(StreamKey key, Executor serial) {
    return new SotwStream(key, context.cache(), context.tracker(), out, serial);
  }

  @Override
  protected void answerUnknownType(DiscoveryRequest request, String typeUrl, String nonce) {
    if (!request.getResponseNonce().isEmpty()) {
      return; // the ACK of our empty answer
    }
    out.onNext(
        EncodedResponse.of(
            DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce).build()));
  }

  @Override
  protected void answerDebug(
      ProxyNode client, DiscoveryRequest request, String typeUrl, String nonce) {
    // Every debug request is answered, as istiod does: debug clients never ACK, and istioctl's
    // only request carries a nonce of its own making.
    try {
      DiscoveryResponse response =
          context.debug().respond(client, request.toBuilder().setTypeUrl(typeUrl).build());
      out.onNext(
          EncodedResponse.of(response.toBuilder().setTypeUrl(typeUrl).setNonce(nonce).build()));
    } catch (DebugRequestException e) {
      fail(e.status());
    }
  }
}
