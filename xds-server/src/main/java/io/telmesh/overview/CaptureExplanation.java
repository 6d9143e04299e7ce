package io.telmesh.overview;

import io.telmesh.capture.PodCaptureConfig;
import io.telmesh.kube.Annotations;
import io.telmesh.model.CaptureSettings;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import java.util.Optional;

/**
 * Why inbound traffic on an interface or to a port does or does not reach a pod's sidecar, in the
 * words of the annotation that decided it. Mirrors the rules the capture plan is built from, so the
 * page says what the iptables rules do.
 *
 * @param refusal the invalid capture annotation's message, when one stops all rules
 */
record CaptureExplanation(Workload workload, InterceptionMode mode, Optional<String> refusal) {

  static CaptureExplanation of(Workload workload, Optional<String> refusal) {
    return new CaptureExplanation(workload, PodCaptureConfig.mode(workload), refusal);
  }

  /** {@code REDIRECT}, {@code TPROXY}, {@code NONE}, or {@code REFUSED}. */
  String capture() {
    return refusal.isPresent() ? "REFUSED" : mode.name();
  }

  /**
   * Empty when inbound TCP on the interface is caught; else why not. Whether it is caught is the
   * capture settings' decision (the one the rules are built from); this only names the annotation.
   */
  Optional<String> interfaceBypass(PodInterface iface) {
    Optional<String> pod = podBypass();
    if (pod.isPresent()) {
      return pod;
    }
    CaptureSettings capture = workload.capture();
    String name = iface.name();
    if (capture.capturesInboundOn(name)) {
      return Optional.empty();
    }
    if (capture.excludeInterfaces().contains(name)) {
      return Optional.of("listed in " + Annotations.EXCLUDE_INTERFACES);
    }
    if (!capture.capturesOn(name)) {
      return Optional.of("not listed in " + Annotations.INCLUDE_INTERFACES);
    }
    return Optional.of(
        "listed in " + Annotations.EXCLUDE_INBOUND_INTERFACES + " (outbound is still caught)");
  }

  /** Empty when inbound TCP to the port is caught on some interface; else why not. */
  Optional<String> portBypass(int port) {
    Optional<String> pod = podBypass();
    if (pod.isPresent()) {
      return pod;
    }
    CaptureSettings capture = workload.capture();
    if (capture.capturesInboundPort(port)) {
      return Optional.empty();
    }
    return Optional.of(
        capture.excludeInboundPorts().contains(port)
            ? "listed in " + Annotations.EXCLUDE_INBOUND_PORTS
            : "not listed in " + Annotations.INCLUDE_INBOUND_PORTS);
  }

  private Optional<String> podBypass() {
    if (refusal.isPresent()) {
      return Optional.of("no capture rules: " + refusal.get());
    }
    if (mode == InterceptionMode.NONE) {
      return Optional.of("interception mode NONE (" + Annotations.INTERCEPTION_MODE + ")");
    }
    return Optional.empty();
  }
}
