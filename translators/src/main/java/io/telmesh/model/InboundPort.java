package io.telmesh.model;

import java.util.Optional;

/**
 * A port a workload serves inbound, resolved to a number, with the protocol decided for it.
 *
 * @param service the Service (and its port name) that declared it; empty for a container port
 *     recognised on its own (peer-to-peer Diameter without a Service)
 * @param mutualTls whether the port also accepts Istio's mutual TLS, because a DestinationRule
 *     tells clients of a Service selecting the pod to use it (plaintext stays accepted: Istio's
 *     PERMISSIVE)
 */
public record InboundPort(
    int targetPort, AppProtocol protocol, Optional<ServicePortRef> service, boolean mutualTls)
    implements Comparable<InboundPort> {

  /** A port accepting plaintext only. */
  public InboundPort(int targetPort, AppProtocol protocol, Optional<ServicePortRef> service) {
    this(targetPort, protocol, service, false);
  }

  /** This port, accepting mutual TLS too. */
  public InboundPort withMutualTls() {
    return new InboundPort(targetPort, protocol, service, true);
  }

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
