package io.telmesh.model;

import java.util.Optional;

/**
 * One backend address of a Service port, with the port number traffic is sent to.
 *
 * @param pod the pod behind the address, when known (EndpointSlice {@code targetRef})
 * @param zone topology zone, empty when unknown
 */
public record ServiceEndpoint(
    IpAddress address, int port, boolean ready, Optional<NamespacedName> pod, String zone)
    implements Comparable<ServiceEndpoint> {

  @Override
  public int compareTo(ServiceEndpoint other) {
    int byAddress = address.compareTo(other.address);
    return byAddress != 0 ? byAddress : Integer.compare(port, other.port);
  }
}
