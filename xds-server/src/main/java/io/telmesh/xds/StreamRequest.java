package io.telmesh.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Optional;

/**
 * What {@link XdsStreamFilter} reads of a request, whichever protocol variant carried it: the two
 * request protos share these fields but no interface.
 *
 * @param node present on a stream's first request (Envoy sends it once)
 * @param error the client's error detail: present on a NACK
 */
record StreamRequest(Optional<Node> node, String typeUrl, String nonce, Optional<String> error) {

  static StreamRequest of(DiscoveryRequest request) {
    return new StreamRequest(
        request.hasNode() ? Optional.of(request.getNode()) : Optional.empty(),
        request.getTypeUrl(),
        request.getResponseNonce(),
        request.hasErrorDetail()
            ? Optional.of(request.getErrorDetail().getMessage())
            : Optional.empty());
  }

  static StreamRequest of(DeltaDiscoveryRequest request) {
    return new StreamRequest(
        request.hasNode() ? Optional.of(request.getNode()) : Optional.empty(),
        request.getTypeUrl(),
        request.getResponseNonce(),
        request.hasErrorDetail()
            ? Optional.of(request.getErrorDetail().getMessage())
            : Optional.empty());
  }
}
