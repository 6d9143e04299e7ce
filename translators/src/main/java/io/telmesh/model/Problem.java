package io.telmesh.model;

import java.util.Comparator;
import java.util.Objects;

/**
 * Something telmesh could not take as given: the object (kind, namespace, name), the field at fault
 * and why. A problem never stops the rest of the mesh from being translated.
 */
public record Problem(String kind, String namespace, String name, String field, String reason)
    implements Comparable<Problem> {

  private static final Comparator<Problem> ORDER =
      Comparator.comparing(Problem::kind)
          .thenComparing(Problem::namespace)
          .thenComparing(Problem::name)
          .thenComparing(Problem::field)
          .thenComparing(Problem::reason);

  public Problem {
    Objects.requireNonNull(kind, "kind");
    namespace = namespace == null ? "" : namespace;
    name = name == null ? "" : name;
    field = field == null ? "" : field;
    Objects.requireNonNull(reason, "reason");
  }

  public static Problem of(ObjectRef ref, String field, String reason) {
    return new Problem(ref.kind(), ref.namespace(), ref.name(), field, reason);
  }

  public io.telmesh.proto.v1.Problem toProto() {
    return io.telmesh.proto.v1.Problem.newBuilder()
        .setKind(kind)
        .setNamespace(namespace)
        .setName(name)
        .setField(field)
        .setReason(reason)
        .build();
  }

  /** One line for logs and the CLI: {@code Pod ns/name field: reason}. */
  public String describe() {
    String object = namespace.isEmpty() ? name : namespace + "/" + name;
    return kind + " " + object + (field.isEmpty() ? "" : " " + field) + ": " + reason;
  }

  @Override
  public int compareTo(Problem other) {
    return ORDER.compare(this, other);
  }
}
