package io.telmesh.model;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A pod's capture choices, read (and validated) from Istio's and telmesh's annotations. Absent or
 * invalid annotations leave the injector defaults in place.
 *
 * @param interceptionMode {@code sidecar.istio.io/interceptionMode}; wins over node metadata
 * @param includeInboundPorts {@code traffic.sidecar.istio.io/includeInboundPorts} (default all)
 * @param excludeInboundPorts {@code traffic.sidecar.istio.io/excludeInboundPorts}
 * @param excludeInterfaces {@code traffic.sidecar.istio.io/excludeInterfaces}: bypass both ways
 * @param includeInterfaces {@code telmesh.io/includeInterfaces}: when set, only these are captured
 * @param excludeInboundInterfaces {@code telmesh.io/excludeInboundInterfaces}: inbound-only bypass
 * @param includeOutboundIpRanges {@code traffic.sidecar.istio.io/includeOutboundIPRanges}
 * @param excludeOutboundIpRanges {@code traffic.sidecar.istio.io/excludeOutboundIPRanges}
 * @param includeOutboundPorts {@code traffic.sidecar.istio.io/includeOutboundPorts}
 * @param excludeOutboundPorts {@code traffic.sidecar.istio.io/excludeOutboundPorts}
 * @param kubevirtInterfaces {@code traffic.sidecar.istio.io/kubevirtInterfaces}
 * @param captureDns {@code telmesh.io/captureDNS}: redirect DNS (UDP/TCP 53) to the agent port
 */
public record CaptureSettings(
    Optional<InterceptionMode> interceptionMode,
    PortSet includeInboundPorts,
    SortedSet<Integer> excludeInboundPorts,
    SortedSet<String> excludeInterfaces,
    SortedSet<String> includeInterfaces,
    SortedSet<String> excludeInboundInterfaces,
    Optional<List<String>> includeOutboundIpRanges,
    List<String> excludeOutboundIpRanges,
    SortedSet<Integer> includeOutboundPorts,
    SortedSet<Integer> excludeOutboundPorts,
    SortedSet<String> kubevirtInterfaces,
    boolean captureDns) {

  public static final CaptureSettings DEFAULTS =
      new CaptureSettings(
          Optional.empty(),
          PortSet.ALL,
          new TreeSet<>(),
          new TreeSet<>(),
          new TreeSet<>(),
          new TreeSet<>(),
          Optional.empty(),
          List.of(),
          new TreeSet<>(),
          new TreeSet<>(),
          new TreeSet<>(),
          false);

  public CaptureSettings {
    excludeInboundPorts = frozen(excludeInboundPorts);
    excludeInterfaces = frozen(excludeInterfaces);
    includeInterfaces = frozen(includeInterfaces);
    excludeInboundInterfaces = frozen(excludeInboundInterfaces);
    includeOutboundIpRanges = includeOutboundIpRanges.map(List::copyOf);
    excludeOutboundIpRanges = List.copyOf(excludeOutboundIpRanges);
    includeOutboundPorts = frozen(includeOutboundPorts);
    excludeOutboundPorts = frozen(excludeOutboundPorts);
    kubevirtInterfaces = frozen(kubevirtInterfaces);
  }

  private static <T extends Comparable<T>> SortedSet<T> frozen(Set<T> values) {
    return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(values));
  }

  /** Whether inbound traffic on this interface reaches the sidecar. */
  public boolean capturesInboundOn(String interfaceName) {
    return capturesOn(interfaceName) && !excludeInboundInterfaces.contains(interfaceName);
  }

  /** Whether traffic on this interface is captured at all (both directions). */
  public boolean capturesOn(String interfaceName) {
    if (excludeInterfaces.contains(interfaceName)) {
      return false;
    }
    return includeInterfaces.isEmpty() || includeInterfaces.contains(interfaceName);
  }

  /** Whether inbound TCP to this port is redirected to the sidecar. */
  public boolean capturesInboundPort(int port) {
    return includeInboundPorts.contains(port) && !excludeInboundPorts.contains(port);
  }
}
