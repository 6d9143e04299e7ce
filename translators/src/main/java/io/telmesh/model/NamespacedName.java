package io.telmesh.model;

import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/** {@code namespace/name}: the identity of a namespaced Kubernetes object. */
public record NamespacedName(String namespace, String name) implements Comparable<NamespacedName> {

  private static final Comparator<NamespacedName> ORDER =
      Comparator.comparing(NamespacedName::namespace).thenComparing(NamespacedName::name);

  public NamespacedName {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** Parses {@code ns/name}; empty when the text is not exactly two non-empty parts. */
  public static Optional<NamespacedName> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1 || text.indexOf('/', slash + 1) >= 0) {
      return Optional.empty();
    }
    return Optional.of(new NamespacedName(text.substring(0, slash), text.substring(slash + 1)));
  }

  @Override
  public int compareTo(NamespacedName other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
