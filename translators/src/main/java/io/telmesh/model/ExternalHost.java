package io.telmesh.model;

import java.util.List;
import java.util.Map;

/**
 * What makes a mesh Service an Istio ServiceEntry host rather than a Kubernetes Service: the entry
 * it comes from, the host name clients use, and how its endpoints are found.
 *
 * @param dnsTargets for {@link Resolution#DNS} and {@link Resolution#DNS_ROUND_ROBIN}: the names
 *     (or addresses) Envoy resolves, each with its port overrides by port name; empty means the
 *     host itself
 */
public record ExternalHost(
    NamespacedName serviceEntry,
    String host,
    Resolution resolution,
    boolean meshExternal,
    List<DnsTarget> dnsTargets) {

  public ExternalHost {
    dnsTargets = List.copyOf(dnsTargets);
  }

  /** Istio's {@code resolution}. */
  public enum Resolution {
    /** Connections go to the address the client dialled: an ORIGINAL_DST cluster. */
    NONE,
    /** The entry's endpoint addresses: an EDS cluster. */
    STATIC,
    /** Envoy resolves the names and balances over every address: STRICT_DNS. */
    DNS,
    /** Envoy resolves the names and uses one address at a time: LOGICAL_DNS. */
    DNS_ROUND_ROBIN
  }

  /**
   * A name Envoy resolves for a DNS entry, with the entry's per-port overrides.
   *
   * @param ports target port by the entry's port name
   */
  public record DnsTarget(String address, Map<String, Integer> ports, Locality locality) {
    public DnsTarget {
      ports = Map.copyOf(ports);
    }

    public int portFor(ServicePort port) {
      return ports.getOrDefault(port.name(), port.port());
    }
  }

  /** How problems name the entry. */
  public ObjectRef ref() {
    return new ObjectRef("ServiceEntry", serviceEntry.namespace(), serviceEntry.name());
  }
}
