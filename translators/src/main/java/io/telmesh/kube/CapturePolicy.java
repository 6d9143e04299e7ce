package io.telmesh.kube;

/**
 * The one policy for an invalid capture annotation ({@code traffic.sidecar.istio.io/*}): it is
 * never guessed around where traffic is concerned. The translator reports it and builds the pod's
 * listeners as if it were absent (the pod stays visible, other pods unaffected), while {@code
 * telmesh iptables} and {@code telmesh bootstrap} refuse the pod, so its init container fails and
 * no sidecar runs with capture rules the operator did not ask for, until the annotation is fixed.
 */
public final class CapturePolicy {

  /** Appended to the problem of an invalid capture annotation. */
  public static final String INVALID_NOTE =
      "; annotation ignored: the listeners use the default, and telmesh iptables and bootstrap"
          + " refuse this pod until it is fixed";

  private CapturePolicy() {}
}
