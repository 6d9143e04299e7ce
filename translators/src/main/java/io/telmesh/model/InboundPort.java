package io.telmesh.model;

import java.util.Optional;

/**
 * A port a workload serves inbound, resolved to a number, with the protocol decided for it.
 *
 * @param service the Service (and its port name) that declared it; empty for a container port
 *     recognised on its own (peer-to-peer Diameter without a Service)
 */
public record InboundPort(int targetPort, AppProtocol protocol, Optional<ServicePortRef> service)
    implements Comparable<InboundPort> {

  /** A Service port, by Service and port number. */
  public record ServicePortRef(NamespacedName service, String portName, int port) {

    public String fqdn() {
      return service.name() + "." + service.namespace() + "." + MeshService.DOMAIN_SUFFIX;
    }
  }

  @Override
  public int compareTo(InboundPort other) {
    return Integer.compare(targetPort, other.targetPort);
  }
}
