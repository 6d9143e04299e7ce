/**
 * The capture plan: which packets a pod's packet filter hands to its sidecar. Computes the {@code
 * iptables-restore} payloads (and the policy routing TPROXY needs) the way Istio's {@code
 * istio-iptables} does, either from its flags (flags mode, reproducing it exactly) or from a pod
 * (pod mode: the injector's defaults, the pod's annotations and interfaces, TCP only). Pure code:
 * applying the rules is the CLI's job.
 */
package io.telmesh.capture;
