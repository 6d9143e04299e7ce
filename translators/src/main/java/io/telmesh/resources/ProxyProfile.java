package io.telmesh.resources;

import io.telmesh.model.InterceptionMode;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import java.time.Duration;
import java.util.Optional;

/**
 * The settings that shape one proxy's per-pod resources, resolved from the pod and the node.
 *
 * @param idleTimeout {@code IDLE_TIMEOUT} node metadata for TCP proxies (Diameter ignores it)
 */
public record ProxyProfile(
    InterceptionMode mode, Optional<Duration> idleTimeout, boolean ipv4, boolean ipv6) {

  /** The pod's annotation wins over the node's {@code INTERCEPTION_MODE} metadata. */
  public static ProxyProfile of(ProxyNode node, Optional<Workload> workload) {
    InterceptionMode mode =
        workload
            .flatMap(w -> w.capture().interceptionMode())
            .orElseGet(
                () -> InterceptionMode.fromMetadata(node.metadata().interceptionMode().orElse("")));
    boolean ipv6 = workload.map(Workload::hasIpv6).orElse(node.ip().contains(":"));
    boolean ipv4 = workload.map(Workload::hasIpv4).orElse(!node.ip().contains(":"));
    return new ProxyProfile(mode, node.metadata().idleTimeout(), ipv4, ipv6);
  }
}
