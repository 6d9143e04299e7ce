package io.telmesh.mesh;

import io.telmesh.kube.ProblemSink;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.ContainerPort;
import io.telmesh.model.InboundPort;
import io.telmesh.model.InboundPort.ServicePortRef;
import io.telmesh.model.MeshService;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.ServicePort;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.UntouchedReasons;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.protocol.ProtocolSelector;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The inbound ports of each workload. One chain per target port: when two Services claim the same
 * target port the oldest Service wins (as Istio), and a different protocol from a younger one is a
 * problem. A port accepts Istio's mutual TLS too when a DestinationRule of any of them asks its
 * clients for it. Container ports no Service covers are served only when recognised as Diameter
 * (peer-to-peer Diameter often has no Service).
 */
final class InboundPortResolver {

  /** Ports the sidecar itself uses; a Service targeting them would loop or collide. */
  static final Set<Integer> RESERVED_PORTS =
      Set.of(15000, 15001, 15006, 15008, 15020, 15021, 15090);

  private InboundPortResolver() {}

  /** One workload's inbound and untouched ports, given the Services selecting it (oldest first). */
  static Memo.Result<WorkloadPorts> resolve(Workload workload, List<MeshService> selecting) {
    ProblemSink problems = new ProblemSink();
    WorkloadPorts ports = portsOf(workload, selecting, problems);
    return new Memo.Result<>(ports, problems.problems());
  }

  private static WorkloadPorts portsOf(
      Workload workload, List<MeshService> selecting, ProblemSink problems) {
    SortedMap<Integer, InboundPort> claimed = new TreeMap<>();
    Map<String, UntouchedPort> untouched = new TreeMap<>();
    for (MeshService service : selecting) {
      for (ServicePort port : service.ports()) {
        OptionalInt target = TargetPorts.resolve(port.targetPort(), workload, port.transport());
        if (target.isEmpty()) {
          continue;
        }
        int number = target.getAsInt();
        if (RESERVED_PORTS.contains(number)) {
          problems.add(
              ObjectRef.service(service.key()),
              port.field() + ".targetPort",
              "target port "
                  + number
                  + " of pod "
                  + workload.key()
                  + " is reserved for the sidecar; no inbound chain built");
          continue;
        }
        AppProtocol protocol = ProtocolSelector.select(port.name(), port.appProtocol(), number);
        InboundPort candidate =
            new InboundPort(
                number,
                protocol,
                Optional.of(new ServicePortRef(service.key(), port.name(), port.port())));
        InboundPort existing = claimed.putIfAbsent(number, candidate);
        if (mutualTlsRequested(service, port.port(), workload)) {
          // Accepting mutual TLS as well costs plaintext clients nothing (PERMISSIVE), so any
          // Service selecting the pod may ask for it, the younger ones too.
          claimed.computeIfPresent(number, (n, claim) -> claim.withMutualTls());
        }
        if (existing != null
            && existing.protocol() != protocol
            && !existing
                .service()
                .map(ServicePortRef::service)
                .equals(Optional.of(service.key()))) {
          problems.add(
              ObjectRef.service(service.key()),
              port.field() + ".targetPort",
              "target port "
                  + number
                  + " of pod "
                  + workload.key()
                  + " is already served as "
                  + existing.protocol().label()
                  + " for older Service "
                  + existing.service().map(r -> r.service().toString()).orElse("?")
                  + "; this Service's "
                  + protocol.label()
                  + " is ignored inbound");
        }
      }
      for (ServicePort port : service.untouchedPorts()) {
        OptionalInt target = TargetPorts.resolve(port.targetPort(), workload, port.transport());
        if (target.isPresent()) {
          UntouchedPort entry =
              new UntouchedPort(
                  ObjectRef.service(service.key()),
                  port.name(),
                  target.getAsInt(),
                  port.transport(),
                  UntouchedReasons.of(port.transport()));
          untouched.putIfAbsent(target.getAsInt() + "/" + port.transport(), entry);
        }
      }
    }
    for (ContainerPort port : workload.containerPorts()) {
      if (port.protocol().untouched()) {
        untouched.putIfAbsent(
            port.port() + "/" + port.protocol(),
            new UntouchedPort(
                ObjectRef.pod(workload.key()),
                port.name(),
                port.port(),
                port.protocol(),
                UntouchedReasons.of(port.protocol())));
      } else if (!claimed.containsKey(port.port())
          && !RESERVED_PORTS.contains(port.port())
          && ProtocolSelector.select(port.name(), Optional.empty(), port.port())
              == AppProtocol.DIAMETER) {
        claimed.put(
            port.port(), new InboundPort(port.port(), AppProtocol.DIAMETER, Optional.empty()));
      }
    }
    return new WorkloadPorts(
        List.copyOf(claimed.values()), untouched.values().stream().sorted().toList());
  }

  /** Whether the Service's DestinationRule has clients of this port to the pod use mutual TLS. */
  private static boolean mutualTlsRequested(MeshService service, int port, Workload workload) {
    return service
        .trafficPolicy()
        .map(policy -> policy.istioMutualTo(port, workload.labels()))
        .orElse(false);
  }
}
