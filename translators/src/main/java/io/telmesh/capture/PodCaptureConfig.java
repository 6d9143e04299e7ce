package io.telmesh.capture;

import io.telmesh.model.CaptureSettings;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A pod's istio-iptables settings as Istio's injector writes them ({@code -p 15001 -z 15006 -u 1337
 * -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020}), adjusted by the pod's annotations, with
 * telmesh's per-interface control and protocol scoping on top.
 */
public final class PodCaptureConfig {

  /** Envoy's Prometheus and health listeners: the injector always puts them first in {@code -d}. */
  private static final List<Integer> ENVOY_PORTS = List.of(15090, 15021);

  /** The agent's status port: the injector appends it to {@code -d} unless already listed. */
  private static final int AGENT_STATUS_PORT = 15020;

  private PodCaptureConfig() {}

  /** The pod's mode: its annotation, else the mesh default, REDIRECT. */
  public static InterceptionMode mode(Workload workload) {
    return workload.capture().interceptionMode().orElse(InterceptionMode.REDIRECT);
  }

  /** Empty for interception mode NONE: no capture at all. */
  public static Optional<CaptureConfig> of(Workload workload, boolean dropInvalid) {
    InterceptionMode mode = mode(workload);
    if (mode == InterceptionMode.NONE) {
      return Optional.empty();
    }
    CaptureSettings s = workload.capture();
    SortedSet<String> excluded = new TreeSet<>(s.excludeInterfaces());
    SortedSet<String> excludedInbound = new TreeSet<>();
    for (PodInterface iface : workload.interfaces()) {
      if (!s.capturesOn(iface.name())) {
        excluded.add(iface.name());
      }
    }
    for (String iface : s.excludeInboundInterfaces()) {
      if (!excluded.contains(iface)) {
        excludedInbound.add(iface);
      }
    }
    List<String> includeRanges = s.includeOutboundIpRanges().orElse(List.of("*"));
    IpRanges ranges =
        includeRanges.equals(List.of("*")) ? IpRanges.ALL : IpRanges.of(includeRanges);
    return Optional.of(
        CaptureConfig.istioDefaults()
            .mode(mode)
            .inboundPorts(
                s.includeInboundPorts().all()
                    ? PortSelection.ALL
                    : PortSelection.of(List.copyOf(s.includeInboundPorts().ports())))
            .inboundPortsExclude(inboundExcludes(s.excludeInboundPorts()))
            .outboundIpRangesInclude(ranges)
            .outboundIpRangesExclude(s.excludeOutboundIpRanges())
            .outboundPortsInclude(List.copyOf(s.includeOutboundPorts()))
            .outboundPortsExclude(List.copyOf(s.excludeOutboundPorts()))
            .kubeVirtInterfaces(List.copyOf(s.kubevirtInterfaces()))
            .excludeInterfaces(List.copyOf(excluded))
            .excludeInboundInterfaces(List.copyOf(excludedInbound))
            // Istio reads the resolvers from the pod's /etc/resolv.conf, which a control plane
            // cannot
            // see: telmesh captures every port-53 query instead (as Istio's CNI does).
            .redirectDns(s.captureDns())
            .captureAllDns(s.captureDns())
            .dropInvalid(dropInvalid)
            .ipv6(workload.hasIpv6())
            .flavor(RuleFlavor.TELMESH_POD)
            .build());
  }

  /** The injector's {@code -d}: 15090,15021, the annotation's ports, then 15020 unless listed. */
  private static List<Integer> inboundExcludes(SortedSet<Integer> annotated) {
    List<Integer> ports = new ArrayList<>(ENVOY_PORTS);
    for (int port : annotated) {
      if (!ports.contains(port)) {
        ports.add(port);
      }
    }
    if (!ports.contains(AGENT_STATUS_PORT)) {
      ports.add(AGENT_STATUS_PORT);
    }
    return ports;
  }
}
