package io.telmesh.outbound;

import io.telmesh.envoy.Names;
import io.telmesh.model.MeshService;
import io.telmesh.model.ServicePort;

/** A Service port seen from the client side, with the cluster it routes to. */
record OutboundPort(MeshService service, ServicePort port) {

  String cluster() {
    return Names.outboundCluster(port.port(), service.fqdn());
  }

  int number() {
    return port.port();
  }
}
