package io.telmesh.kube;

import io.telmesh.model.ObjectRef;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a pod's {@code telmesh.io/access-log} annotation. An invalid value is a problem naming the
 * annotation and counts as no choice, so the node's or the server's default applies; the value
 * itself never reaches Envoy config, only the boolean does.
 */
public final class AccessLogAnnotation {

  static final String INVALID_NOTE =
      "; annotation ignored: node metadata TELMESH_ACCESS_LOG, else serve's --access-log-default"
          + " decides";

  private AccessLogAnnotation() {}

  public static Optional<Boolean> read(
      ObjectRef pod, Map<String, String> annotations, ProblemSink problems) {
    String raw = annotations.get(Annotations.ACCESS_LOG);
    if (raw == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ValueLists.bool(raw));
    } catch (IllegalArgumentException e) {
      problems.add(pod, Annotations.field(Annotations.ACCESS_LOG), e.getMessage() + INVALID_NOTE);
      return Optional.empty();
    }
  }
}
