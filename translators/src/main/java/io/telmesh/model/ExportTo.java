package io.telmesh.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * Istio's {@code exportTo}: the namespaces whose clients an object applies to. {@code *} is every
 * namespace, {@code .} the object's own, {@code ~} none.
 *
 * @param namespaces the entries as validated; {@code [*]} when the object sets none
 */
public record ExportTo(Set<String> namespaces) {

  public static final ExportTo PUBLIC = new ExportTo(Set.of("*"));

  public ExportTo {
    namespaces = java.util.Collections.unmodifiableSet(new TreeSet<>(namespaces));
  }

  public boolean isPublic() {
    return namespaces.contains("*");
  }

  /** Whether a client in {@code client} sees an object of namespace {@code own}. */
  public boolean visibleTo(String client, String own) {
    return isPublic()
        || namespaces.contains(client)
        || (namespaces.contains(".") && client.equals(own));
  }
}
