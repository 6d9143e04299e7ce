package io.telmesh.auth;

import java.util.Optional;
import java.util.Set;

/**
 * A caller the secure port has authenticated.
 *
 * @param user the name it authenticated as ({@code system:serviceaccount:ns:sa}, or a SPIFFE ID)
 * @param groups the groups the API server reports for it (empty for certificates)
 * @param serviceAccount the workload identity, when the caller is one
 * @param boundPod the pod a bound token was issued for ({@code kubectl create token
 *     --bound-object-kind Pod}, and every projected token): such a caller may speak only for it
 * @param via how it authenticated, for logs: {@code token} or {@code certificate}
 */
public record Identity(
    String user,
    Set<String> groups,
    Optional<ServiceAccountName> serviceAccount,
    Optional<String> boundPod,
    String via) {

  public Identity {
    groups = Set.copyOf(groups);
  }

  /** A Kubernetes service account, as it appears in a token's user name and a SPIFFE ID. */
  public record ServiceAccountName(String namespace, String name) {

    private static final String PREFIX = "system:serviceaccount:";

    /** {@code system:serviceaccount:ns:sa}, or empty for any other user name. */
    public static Optional<ServiceAccountName> fromUserName(String user) {
      if (user == null || !user.startsWith(PREFIX)) {
        return Optional.empty();
      }
      String[] parts = user.substring(PREFIX.length()).split(":", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new ServiceAccountName(parts[0], parts[1]));
    }

    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  /** How logs and errors name this caller. */
  public String describe() {
    return serviceAccount.map(sa -> "service account " + sa).orElse(user) + " (" + via + ")";
  }
}
