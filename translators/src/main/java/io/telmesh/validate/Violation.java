package io.telmesh.validate;

/**
 * One rule Envoy would enforce, broken.
 *
 * @param resourceType the xDS type (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment)
 * @param resourceName the resource's name
 * @param path the field path inside the resource, e.g. {@code filter_chains[3].filter_chain_match}
 * @param rule a short rule id, e.g. {@code listener.unique_chain_match}
 * @param message what is wrong
 */
public record Violation(
    String resourceType, String resourceName, String path, String rule, String message)
    implements Comparable<Violation> {

  @Override
  public int compareTo(Violation other) {
    return toString().compareTo(other.toString());
  }

  public String describe() {
    return resourceType + " " + resourceName + " " + path + " [" + rule + "]: " + message;
  }
}
