package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.node.ProxyNode;
import java.util.Set;

/**
 * Answers the debug type URLs (Istio's {@code istio.io/debug/...} and telmesh's own) on an ADS
 * stream. The response is sent as is except for its nonce.
 */
public interface DebugResponder {

  /** Whether a type URL is a debug type this responder answers. */
  boolean handles(String typeUrl);

  DiscoveryResponse respond(ProxyNode client, DiscoveryRequest request);

  /** Until debug types are served, they are answered empty (never by killing the stream). */
  DebugResponder NONE = new DebugResponder() {
    private final Set<String> known = Set.of("istio.io/debug/syncz", "istio.io/debug/config_dump");

    @Override
    public boolean handles(String typeUrl) {
      return known.contains(typeUrl) || typeUrl.startsWith("istio.io/debug") || typeUrl.startsWith("telmesh.io/debug");
    }

    @Override
    public DiscoveryResponse respond(ProxyNode client, DiscoveryRequest request) {
      return DiscoveryResponse.newBuilder().setTypeUrl(request.getTypeUrl()).build();
    }
  };
}
