package io.telmesh.proxyless;

import com.google.protobuf.Any;
import io.telmesh.envoy.Names;
import io.telmesh.model.MeshService;
import io.telmesh.model.ServicePort;

/**
 * A Service port a gRPC channel can use, with the api_listener every spelling of its name shares.
 *
 * @param manager the packed HTTP connection manager of its client listeners
 */
record GrpcPort(MeshService service, ServicePort port, Any manager) {

  /** {@code <fqdn>:<port>}: the name of its route configuration. */
  String hostPort() {
    return Names.hostPort(service.fqdn(), port.port());
  }

  String cluster() {
    return Names.outboundCluster(port.port(), service.fqdn());
  }
}
