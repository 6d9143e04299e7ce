package io.telmesh.model;

import java.util.Optional;

/**
 * One backend address of a Service port, with the port number traffic is sent to.
 *
 * @param pod the pod behind the address, when known (EndpointSlice {@code targetRef})
 * @param locality where the endpoint runs: its pod's locality label, else its zone; {@link
 *     Locality#UNKNOWN} when nothing is known
 */
public record ServiceEndpoint(
    IpAddress address, int port, boolean ready, Optional<NamespacedName> pod, Locality locality)
    implements Comparable<ServiceEndpoint> {

  @Override
  public int compareTo(ServiceEndpoint other) {
    int byAddress = address.compareTo(other.address);
    return byAddress != 0 ? byAddress : Integer.compare(port, other.port);
  }
}
