package io.telmesh.kube;

import io.telmesh.model.CaptureSettings;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.PortSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Function;

/**
 * Reads a pod's capture annotations. Each value is validated before use (Istio passes them to
 * iptables unchecked); an invalid one is a problem naming the annotation and falls back to the
 * default, so no rule is ever built from it.
 */
public final class CaptureAnnotationsReader {

  private CaptureAnnotationsReader() {}

  public static CaptureSettings read(
      ObjectRef pod, Map<String, String> annotations, ProblemSink problems) {
    CaptureSettings d = CaptureSettings.DEFAULTS;
    Reader r = new Reader(pod, annotations, problems);
    Optional<InterceptionMode> mode =
        r.value(
            Annotations.INTERCEPTION_MODE,
            v ->
                InterceptionMode.parse(v)
                    .orElseThrow(
                        () ->
                            new IllegalArgumentException(
                                "'"
                                    + NetworkStatusParser.printable(v)
                                    + "' is not REDIRECT, TPROXY or NONE")));
    PortSet includeInbound =
        r.value(Annotations.INCLUDE_INBOUND_PORTS, ValueLists::portSet)
            .orElse(d.includeInboundPorts());
    SortedSet<Integer> excludeInbound =
        r.value(Annotations.EXCLUDE_INBOUND_PORTS, ValueLists::ports)
            .orElse(d.excludeInboundPorts());
    SortedSet<String> excludeInterfaces =
        r.value(Annotations.EXCLUDE_INTERFACES, ValueLists::interfaces)
            .orElse(d.excludeInterfaces());
    SortedSet<String> includeInterfaces =
        r.value(Annotations.INCLUDE_INTERFACES, ValueLists::interfaces)
            .orElse(d.includeInterfaces());
    SortedSet<String> excludeInboundInterfaces =
        r.value(Annotations.EXCLUDE_INBOUND_INTERFACES, ValueLists::interfaces)
            .orElse(d.excludeInboundInterfaces());
    Optional<List<String>> includeRanges =
        r.value(
            Annotations.INCLUDE_OUTBOUND_IP_RANGES,
            v -> v.strip().equals("*") ? List.of("*") : ValueLists.cidrs(v));
    List<String> excludeRanges =
        r.value(Annotations.EXCLUDE_OUTBOUND_IP_RANGES, ValueLists::cidrs)
            .orElse(d.excludeOutboundIpRanges());
    SortedSet<Integer> includeOutboundPorts =
        r.value(Annotations.INCLUDE_OUTBOUND_PORTS, ValueLists::ports)
            .orElse(d.includeOutboundPorts());
    SortedSet<Integer> excludeOutboundPorts =
        r.value(Annotations.EXCLUDE_OUTBOUND_PORTS, ValueLists::ports)
            .orElse(d.excludeOutboundPorts());
    SortedSet<String> kubevirt =
        r.value(Annotations.KUBEVIRT_INTERFACES, ValueLists::interfaces)
            .orElse(d.kubevirtInterfaces());
    boolean captureDns = r.value(Annotations.CAPTURE_DNS, ValueLists::bool).orElse(false);
    return new CaptureSettings(
        mode,
        includeInbound,
        excludeInbound,
        excludeInterfaces,
        includeInterfaces,
        excludeInboundInterfaces,
        includeRanges,
        excludeRanges,
        includeOutboundPorts,
        excludeOutboundPorts,
        kubevirt,
        captureDns);
  }

  private record Reader(ObjectRef pod, Map<String, String> annotations, ProblemSink problems) {

    <T> Optional<T> value(String key, Function<String, T> parser) {
      String raw = annotations.get(key);
      if (raw == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(parser.apply(raw));
      } catch (IllegalArgumentException e) {
        problems.add(pod, Annotations.field(key), e.getMessage() + CapturePolicy.INVALID_NOTE);
        return Optional.empty();
      }
    }
  }
}
