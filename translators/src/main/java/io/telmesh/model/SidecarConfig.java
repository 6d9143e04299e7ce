package io.telmesh.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;

/**
 * An Istio {@code Sidecar} as telmesh applies it: which of its namespace's pods it is for, which
 * Services they may reach ({@code egress}), and what happens to anything else.
 *
 * @param workloadSelector the labels a pod must carry; empty: every pod of the namespace (or, in
 *     the root namespace, of every namespace without its own Sidecar)
 * @param egress the egress listeners kept after validation; never empty
 * @param outboundTrafficPolicy the Sidecar's own mode; empty: the mesh default
 */
public record SidecarConfig(
    NamespacedName key,
    Instant created,
    Optional<SortedMap<String, String>> workloadSelector,
    List<EgressListener> egress,
    Optional<OutboundTrafficPolicy> outboundTrafficPolicy) {

  public SidecarConfig {
    workloadSelector =
        workloadSelector.map(
            s -> java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(s)));
    egress = List.copyOf(egress);
  }

  public String namespace() {
    return key.namespace();
  }

  /** Whether its selector picks a pod with these labels (no selector: not a selecting Sidecar). */
  public boolean selects(Map<String, String> labels) {
    return workloadSelector.map(s -> LabelSelector.matches(s, labels)).orElse(false);
  }

  /**
   * One {@code egress} entry: its hosts, and the one Service port it is for, if it names one.
   * Istio's {@code bind} and {@code captureMode} are not applied (reported when read).
   */
  public record EgressListener(OptionalInt port, List<EgressHost> hosts) {
    public EgressListener {
      hosts = List.copyOf(hosts);
    }
  }

  /**
   * A {@code namespace/host} entry.
   *
   * @param namespace {@code *} (any), {@code .} (the pod's own), {@code ~} (none) or a name
   * @param host {@code *}, a {@code *.suffix} wildcard or a host name
   */
  public record EgressHost(String namespace, String host) {

    public static final String ANY = "*";
    public static final String OWN = ".";
    public static final String NONE = "~";

    /** Whether a Service in {@code serviceNamespace} named {@code fqdn} is imported. */
    public boolean imports(String serviceNamespace, String fqdn, String clientNamespace) {
      boolean namespaceMatches =
          switch (namespace) {
            case ANY -> true;
            case NONE -> false;
            case OWN -> serviceNamespace.equals(clientNamespace);
            default -> serviceNamespace.equals(namespace);
          };
      return namespaceMatches && hostMatches(fqdn);
    }

    private boolean hostMatches(String fqdn) {
      if (host.equals(ANY)) {
        return true;
      }
      if (host.startsWith("*.")) {
        return fqdn.endsWith(host.substring(1));
      }
      return host.equalsIgnoreCase(fqdn);
    }

    @Override
    public String toString() {
      return namespace + "/" + host;
    }
  }
}
