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
 * @param accessLog whether the proxy's chains write a JSON access log line to its stdout
 */
public record ProxyProfile(
    InterceptionMode mode,
    Optional<Duration> idleTimeout,
    boolean ipv4,
    boolean ipv6,
    boolean accessLog) {

  /** A profile without access logs, the default. */
  public ProxyProfile(
      InterceptionMode mode, Optional<Duration> idleTimeout, boolean ipv4, boolean ipv6) {
    this(mode, idleTimeout, ipv4, ipv6, false);
  }

  /** With the server's default: access logs off. */
  public static ProxyProfile of(ProxyNode node, Optional<Workload> workload) {
    return of(node, workload, false);
  }

  /**
   * The pod's annotation wins over the node's metadata ({@code INTERCEPTION_MODE}, {@code
   * TELMESH_ACCESS_LOG}); for access logs the server's default decides when neither chooses.
   */
  public static ProxyProfile of(
      ProxyNode node, Optional<Workload> workload, boolean accessLogDefault) {
    InterceptionMode mode =
        workload
            .flatMap(w -> w.capture().interceptionMode())
            .orElseGet(
                () -> InterceptionMode.fromMetadata(node.metadata().interceptionMode().orElse("")));
    boolean ipv6 = workload.map(Workload::hasIpv6).orElse(node.ip().contains(":"));
    boolean ipv4 = workload.map(Workload::hasIpv4).orElse(!node.ip().contains(":"));
    boolean accessLog =
        workload
            .flatMap(Workload::accessLog)
            .or(() -> node.metadata().accessLog())
            .orElse(accessLogDefault);
    return new ProxyProfile(mode, node.metadata().idleTimeout(), ipv4, ipv6, accessLog);
  }
}
