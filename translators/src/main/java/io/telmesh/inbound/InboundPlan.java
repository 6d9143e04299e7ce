package io.telmesh.inbound;

import io.telmesh.model.InboundPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which inbound chains a pod gets. Every Service target port gets Istio's port chain. A pod with a
 * secondary network also gets, for each captured port and each captured interface with addresses, a
 * chain pinned to that interface's addresses, so traffic is observable per network.
 *
 * @param interfaces the interfaces that get their own chains; empty for an eth0-only pod
 */
public record InboundPlan(
    List<InboundPort> ports, List<InterfaceBinding> interfaces, List<Problem> problems) {

  public InboundPlan {
    ports = List.copyOf(ports);
    interfaces = List.copyOf(interfaces);
    problems = List.copyOf(problems);
  }

  public static InboundPlan of(Workload workload, List<InboundPort> ports) {
    List<Problem> problems = new ArrayList<>();
    List<InterfaceBinding> bindings = new ArrayList<>();
    if (workload.hasSecondaryInterfaces()) {
      Set<IpAddress> used = new HashSet<>();
      for (PodInterface iface : workload.interfaces()) {
        if (!workload.capture().capturesInboundOn(iface.name())) {
          continue;
        }
        List<IpAddress> own = new ArrayList<>();
        for (IpAddress ip : iface.ips()) {
          if (used.add(ip)) {
            own.add(ip);
          } else {
            // Identical matches on two chains would make Envoy reject the whole listener.
            problems.add(
                Problem.of(
                    ObjectRef.pod(workload.key()),
                    "metadata.annotations[k8s.v1.cni.cncf.io/network-status]",
                    "address "
                        + ip
                        + " appears on more than one interface; kept on the first only"));
          }
        }
        if (!own.isEmpty()) {
          bindings.add(new InterfaceBinding(iface.name(), iface.network(), own));
        }
      }
    }
    return new InboundPlan(ports, bindings, problems);
  }

  /**
   * Per-interface chains exist only for captured ports (excluded ports never reach the sidecar).
   */
  public static boolean capturedPort(Workload workload, InboundPort port) {
    return workload.capture().capturesInboundPort(port.targetPort());
  }
}
