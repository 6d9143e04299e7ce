package io.telmesh.node;

import io.telmesh.model.IpAddress;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Printable;
import java.util.Optional;

/**
 * Parses {@code TYPE~IP~POD.NS~DOMAIN}. The pod name may itself contain dots, so the pod is the
 * third part minus the {@code .NAMESPACE} suffix, where NAMESPACE comes from node metadata (or,
 * without it, from the domain {@code NS.svc.cluster.local}, then from the last dot).
 */
public final class NodeIdParser {

  private static final int MAX_ID_LENGTH = 1024;

  private NodeIdParser() {}

  public static ProxyNode parse(String id, NodeMetadata metadata) throws InvalidNodeException {
    if (id == null || id.isEmpty()) {
      throw new InvalidNodeException("node id is empty; expected TYPE~IP~POD.NAMESPACE~DOMAIN");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidNodeException("node id is longer than " + MAX_ID_LENGTH + " characters");
    }
    String[] parts = id.split("~", -1);
    if (parts.length != 4) {
      throw new InvalidNodeException(
          "node id '"
              + printable(id)
              + "' has "
              + parts.length
              + " '~'-separated parts; expected 4: TYPE~IP~POD.NAMESPACE~DOMAIN");
    }
    NodeType type =
        NodeType.parse(parts[0])
            .orElseThrow(
                () ->
                    new InvalidNodeException(
                        "node id '"
                            + printable(id)
                            + "': unknown type '"
                            + printable(parts[0])
                            + "' (sidecar, router or debug)"));
    String ip = parts[1];
    // istioctl connects as sidecar~<its host's IP, or nothing>~test-1.NS~... with GENERATOR=event:
    // a debug client, whose address serves no one.
    boolean debugClient = type == NodeType.DEBUG || metadata.isEventGenerator();
    if (!debugClient && IpAddress.parse(ip).filter(a -> !ip.contains("/")).isEmpty()) {
      throw new InvalidNodeException(
          "node id '" + printable(id) + "': '" + printable(ip) + "' is not an IP address");
    }
    String workload = parts[2];
    String domain = parts[3];
    if (workload.isEmpty()) {
      throw new InvalidNodeException("node id '" + printable(id) + "': empty POD.NAMESPACE part");
    }
    if (type == NodeType.DEBUG) {
      // istioctl x internal-debug: debug~0.0.0.0~istioctl~cluster.local
      return new ProxyNode(id, type, ip, new NamespacedName("", workload), domain, metadata, true);
    }

    Optional<String> namespace = metadata.namespace();
    String candidate = namespace.orElseGet(() -> domainNamespace(domain).orElse(""));
    String suffix = "." + candidate;
    if (!candidate.isEmpty() && workload.endsWith(suffix) && workload.length() > suffix.length()) {
      String pod = workload.substring(0, workload.length() - suffix.length());
      return new ProxyNode(
          id, type, ip, new NamespacedName(candidate, pod), domain, metadata, true);
    }
    int dot = workload.lastIndexOf('.');
    if (dot <= 0 || dot == workload.length() - 1) {
      throw new InvalidNodeException(
          "node id '"
              + printable(id)
              + "': third part '"
              + printable(workload)
              + "' is not POD.NAMESPACE");
    }
    // The id names a namespace other than the metadata's: keep the id's reading, flag the mismatch.
    NamespacedName pod =
        new NamespacedName(workload.substring(dot + 1), workload.substring(0, dot));
    return new ProxyNode(id, type, ip, pod, domain, metadata, namespace.isEmpty());
  }

  private static Optional<String> domainNamespace(String domain) {
    int dot = domain.indexOf('.');
    if (dot <= 0 || !domain.substring(dot + 1).startsWith("svc.")) {
      return Optional.empty();
    }
    return Optional.of(domain.substring(0, dot));
  }

  static String printable(String text) {
    return Printable.of(text, 80);
  }
}
