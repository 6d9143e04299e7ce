package io.telmesh.model;

import java.util.Optional;

/**
 * One port of a Service. {@code protocol} is what the port is served as on the outbound side
 * (decided from appProtocol, name and the Service port number); the inbound side decides again with
 * the resolved target port.
 *
 * @param index position in {@code spec.ports}, for field paths in problems
 */
public record ServicePort(
    String name,
    int port,
    TargetPort targetPort,
    L4Protocol transport,
    Optional<String> appProtocol,
    AppProtocol protocol,
    int index) {

  public ServicePort {
    name = name == null ? "" : name;
  }

  public String field() {
    return "spec.ports[" + index + "]";
  }
}
