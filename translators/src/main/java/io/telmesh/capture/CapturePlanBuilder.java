package io.telmesh.capture;

import io.telmesh.kube.Annotations;
import io.telmesh.kube.CapturePolicy;
import io.telmesh.model.CaptureSettings;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import io.telmesh.model.Workload;
import java.util.List;
import java.util.Optional;

/** Plans capture for a pod of the mesh, or for a set of istio-iptables settings. */
public final class CapturePlanBuilder {

  /** The annotations capture is computed from; a bad value in any of them stops the plan. */
  static final List<String> CAPTURE_ANNOTATIONS =
      List.of(
          Annotations.INTERCEPTION_MODE,
          Annotations.INCLUDE_INBOUND_PORTS,
          Annotations.EXCLUDE_INBOUND_PORTS,
          Annotations.INCLUDE_OUTBOUND_IP_RANGES,
          Annotations.EXCLUDE_OUTBOUND_IP_RANGES,
          Annotations.INCLUDE_OUTBOUND_PORTS,
          Annotations.EXCLUDE_OUTBOUND_PORTS,
          Annotations.KUBEVIRT_INTERFACES,
          Annotations.EXCLUDE_INTERFACES,
          Annotations.INCLUDE_INTERFACES,
          Annotations.EXCLUDE_INBOUND_INTERFACES,
          Annotations.CAPTURE_DNS);

  private static final String FALLBACK_NOTE = CapturePolicy.INVALID_NOTE;

  private CapturePlanBuilder() {}

  /**
   * The plan for a pod of the mesh.
   *
   * @param dropInvalid whether invalid TCP packets are dropped (Istio's mesh-wide INVALID_DROP)
   * @throws IllegalArgumentException when the pod is not in the mesh
   * @throws InvalidSettingException naming the annotation, when a capture annotation of the pod is
   *     invalid: the reader fell back to defaults for it, but rules built without the operator's
   *     intent would be wrong, so none are built
   */
  public static CapturePlan forPod(MeshState mesh, NamespacedName pod, boolean dropInvalid) {
    Workload workload =
        mesh.workload(pod)
            .orElseThrow(() -> new IllegalArgumentException("pod " + pod + " is not in the mesh"));
    rejectInvalidAnnotations(mesh, pod);
    InterceptionMode mode = PodCaptureConfig.mode(workload);
    Optional<CaptureConfig> config = PodCaptureConfig.of(workload, dropInvalid);
    CaptureSettings settings = workload.capture();
    List<CaptureInterface> interfaces =
        workload.interfaces().stream()
            .map(
                iface ->
                    new CaptureInterface(
                        iface.name(),
                        iface.network(),
                        iface.ips(),
                        iface.isDefault(),
                        config.isPresent() && settings.capturesInboundOn(iface.name()),
                        config.isPresent() && settings.capturesOn(iface.name())))
            .toList();
    return new CapturePlan(
        Optional.of(pod),
        mode,
        config,
        interfaces,
        mesh.portsOf(pod).untouched(),
        config.map(RuleBuilder::build).orElse(IptablesRules.EMPTY),
        config.map(PolicyRouting::of).orElse(List.of()));
  }

  /** The plan istio-iptables would carry out for these settings. */
  public static CapturePlan fromConfig(CaptureConfig config) {
    return new CapturePlan(
        Optional.empty(),
        config.mode(),
        Optional.of(config),
        List.of(),
        List.of(),
        RuleBuilder.build(config),
        PolicyRouting.of(config));
  }

  /**
   * Refuses a pod with an invalid capture annotation, as {@link #forPod} does: what the bootstrap
   * of such a pod calls too, so that no part of telmesh sets up a sidecar the rules will not match.
   *
   * @throws InvalidSettingException naming the annotation
   */
  public static void rejectInvalidAnnotations(MeshState mesh, NamespacedName pod) {
    List<Problem> bad =
        mesh.problems().stream()
            .filter(
                p ->
                    p.kind().equals("Pod")
                        && p.namespace().equals(pod.namespace())
                        && p.name().equals(pod.name()))
            .filter(
                p ->
                    CAPTURE_ANNOTATIONS.stream()
                        .anyMatch(key -> p.field().equals(Annotations.field(key))))
            .toList();
    if (bad.isEmpty()) {
      return;
    }
    Problem first = bad.get(0);
    String key =
        CAPTURE_ANNOTATIONS.stream()
            .filter(k -> first.field().equals(Annotations.field(k)))
            .findFirst()
            .orElseThrow();
    String reason =
        first.reason().endsWith(FALLBACK_NOTE)
            ? first.reason().substring(0, first.reason().length() - FALLBACK_NOTE.length())
            : first.reason();
    String more =
        bad.size() > 1 ? " (and " + (bad.size() - 1) + " more invalid capture annotation(s))" : "";
    throw new InvalidSettingException(
        key,
        "pod "
            + pod
            + ": annotation "
            + key
            + ": "
            + reason
            + "; no capture rules are built from an invalid annotation"
            + more);
  }
}
