package io.telmesh.auth;

import java.util.Set;

/**
 * Who may read every proxy's state (debug types, CSDS) and speak for any proxy: service accounts of
 * the given namespaces (the control plane's own, typically), members of the given groups, and the
 * given users (a SPIFFE ID, say). Nobody when all three are empty.
 */
public record OperatorPolicy(Set<String> namespaces, Set<String> groups, Set<String> users) {

  public static final OperatorPolicy NOBODY = new OperatorPolicy(Set.of(), Set.of(), Set.of());

  public OperatorPolicy {
    namespaces = Set.copyOf(namespaces);
    groups = Set.copyOf(groups);
    users = Set.copyOf(users);
  }

  public boolean isOperator(Identity identity) {
    return users.contains(identity.user())
        || identity.serviceAccount().map(sa -> namespaces.contains(sa.namespace())).orElse(false)
        || identity.groups().stream().anyMatch(groups::contains);
  }

  /** How logs and errors name who is allowed. */
  public String describe() {
    if (namespaces.isEmpty() && groups.isEmpty() && users.isEmpty()) {
      return "nobody (no --operator-namespace, --operator-group or --operator-user)";
    }
    StringBuilder text = new StringBuilder();
    if (!namespaces.isEmpty()) {
      text.append("service accounts of namespace ")
          .append(String.join(", ", namespaces.stream().sorted().toList()));
    }
    if (!groups.isEmpty()) {
      text.append(text.isEmpty() ? "" : "; ")
          .append("groups ")
          .append(String.join(", ", groups.stream().sorted().toList()));
    }
    if (!users.isEmpty()) {
      text.append(text.isEmpty() ? "" : "; ")
          .append("users ")
          .append(String.join(", ", users.stream().sorted().toList()));
    }
    return text.toString();
  }
}
