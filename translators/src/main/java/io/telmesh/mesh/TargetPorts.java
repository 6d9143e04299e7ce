package io.telmesh.mesh;

import io.telmesh.model.ContainerPort;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.TargetPort;
import io.telmesh.model.Workload;
import java.util.OptionalInt;

/** Resolves a Service's target port against one pod, as the endpoints controller does. */
final class TargetPorts {

  private TargetPorts() {}

  /** The number, or the pod's container port of that name and transport; empty if it has none. */
  static OptionalInt resolve(TargetPort target, Workload workload, L4Protocol transport) {
    if (target instanceof TargetPort.Numeric number) {
      return OptionalInt.of(number.port());
    }
    String name = ((TargetPort.Named) target).name();
    return workload.containerPorts().stream()
        .filter(p -> p.name().equals(name) && p.protocol() == transport)
        .mapToInt(ContainerPort::port)
        .findFirst();
  }
}
