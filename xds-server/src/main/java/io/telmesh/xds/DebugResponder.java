package io.telmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.node.ProxyNode;

/**
 * Answers the debug type URLs (Istio's {@code istio.io/debug/...} and telmesh's own) on an ADS
 * stream. The response is sent as is except for its nonce.
 */
public interface DebugResponder {

  /** Whether a type URL is a debug type this responder answers. */
  boolean handles(String typeUrl);

  /**
   * The answer to one debug request.
   *
   * @throws DebugRequestException when it cannot be answered (an unknown type, a malformed name)
   */
  DiscoveryResponse respond(ProxyNode client, DiscoveryRequest request)
      throws DebugRequestException;
}
