package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/** Null-safe access to object metadata. */
final class Meta {

  private Meta() {}

  static Optional<ObjectMeta> of(HasMetadata object) {
    return Optional.ofNullable(object)
        .map(HasMetadata::getMetadata)
        .filter(m -> m.getName() != null && !m.getName().isEmpty());
  }

  static String namespace(ObjectMeta meta) {
    return meta.getNamespace() == null || meta.getNamespace().isEmpty()
        ? "default"
        : meta.getNamespace();
  }

  static Map<String, String> annotations(ObjectMeta meta) {
    return meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
  }

  static Map<String, String> labels(ObjectMeta meta) {
    return meta.getLabels() == null ? Map.of() : meta.getLabels();
  }

  /** The creation time; objects without one sort as the oldest, as the epoch. */
  static Instant created(ObjectMeta meta) {
    String stamp = meta.getCreationTimestamp();
    if (stamp == null || stamp.isEmpty()) {
      return Instant.EPOCH;
    }
    try {
      return Instant.parse(stamp);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }

  /** A generic resource's {@code spec}, which fabric8 keeps untyped; null when there is none. */
  static Object spec(io.fabric8.kubernetes.api.model.GenericKubernetesResource resource) {
    return resource.getAdditionalProperties() == null
        ? null
        : resource.getAdditionalProperties().get("spec");
  }
}
