package io.telmesh.capture;

/** Whose rule shapes to emit. */
public enum RuleFlavor {
  /** Exactly istio-iptables' rules, line for line (flags mode). */
  ISTIO,
  /**
   * telmesh's pod mode: Istio's rules, but every rule in a built-in chain matches {@code -p tcp}
   * (or {@code -p udp} for DNS capture), so SCTP never enters an {@code ISTIO_*} chain, UDP only
   * when the pod asked for DNS capture, and the invalid-packet drop only ever drops TCP; plus the
   * inbound-only interface exclusions Istio does not have.
   */
  TELMESH_POD
}
