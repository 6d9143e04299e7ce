package io.telmesh.node;

import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import java.util.List;
import java.util.Optional;

/**
 * The one place Istio's sidecar node id is spelled: {@code sidecar~IP~POD.NS~NS.svc.cluster.local}.
 * The bootstrap writes it, the CLI translates for it, and the server parses it back with {@link
 * NodeIdParser}; all three must agree, so they all come here.
 */
public final class SidecarIds {

  /** The address Istio's agent announces when a pod has no cluster-network IP yet. */
  static final String NO_ADDRESS = "0.0.0.0";

  private SidecarIds() {}

  /** The id of a sidecar at {@code ip} for {@code pod}. */
  public static String id(String ip, NamespacedName pod) {
    return NodeType.SIDECAR.id()
        + "~"
        + ip
        + "~"
        + pod.name()
        + "."
        + pod.namespace()
        + "~"
        + pod.namespace()
        + ".svc.cluster.local";
  }

  /** The id a pod's sidecar announces: its first cluster-network IP, as the agent picks it. */
  public static String id(Workload workload) {
    String ip =
        workload.clusterIps().isEmpty() ? NO_ADDRESS : workload.clusterIps().get(0).address();
    return id(ip, workload.key());
  }

  /**
   * The node a pod's Istio-bootstrapped sidecar presents, as the server reads it: its id and the
   * {@code NAMESPACE} metadata (the pod's annotations decide everything else the node could say).
   *
   * @throws InvalidNodeException when the pod's names cannot form a node id (a hand-written
   *     manifest can hold names Kubernetes would refuse)
   */
  public static ProxyNode node(Workload workload) throws InvalidNodeException {
    return node(id(workload), workload.namespace(), Optional.empty());
  }

  /**
   * A sidecar node at {@code ip} for a pod, with a {@code GENERATOR} ({@code grpc} for a proxyless
   * client) when given.
   */
  public static ProxyNode node(String ip, NamespacedName pod, Optional<String> generator)
      throws InvalidNodeException {
    return node(id(ip, pod), pod.namespace(), generator);
  }

  private static ProxyNode node(String id, String namespace, Optional<String> generator)
      throws InvalidNodeException {
    NodeMetadata metadata =
        new NodeMetadata(
            Optional.of(namespace),
            List.of(),
            Optional.empty(),
            generator,
            Optional.empty(),
            Optional.empty(),
            Optional.empty());
    return NodeIdParser.parse(id, metadata);
  }
}
