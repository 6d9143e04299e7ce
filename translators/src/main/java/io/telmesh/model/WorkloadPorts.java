package io.telmesh.model;

import java.util.List;

/**
 * What a workload serves inbound: the TCP ports that get chains (one per target port, the oldest
 * Service winning a conflict as in Istio) and the UDP/SCTP ports left untouched.
 */
public record WorkloadPorts(List<InboundPort> inbound, List<UntouchedPort> untouched) {

  public static final WorkloadPorts EMPTY = new WorkloadPorts(List.of(), List.of());

  public WorkloadPorts {
    inbound = List.copyOf(inbound);
    untouched = List.copyOf(untouched);
  }
}
