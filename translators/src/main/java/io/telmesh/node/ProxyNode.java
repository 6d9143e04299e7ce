package io.telmesh.node;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.telmesh.model.NamespacedName;

/**
 * A connected proxy: its parsed id and metadata.
 *
 * @param id the node id as sent
 * @param pod {@code POD.NS} from the id, cut at the {@code .NAMESPACE} suffix
 * @param namespaceConsistent whether metadata {@code NAMESPACE} agrees with the id; a proxy whose
 *     namespace disagrees is not trusted with its pod's config
 */
public record ProxyNode(
    String id,
    NodeType type,
    String ip,
    NamespacedName pod,
    String domain,
    NodeMetadata metadata,
    boolean namespaceConsistent) {

  /** The name istioctl prints and debug requests use: {@code pod.namespace}. */
  public String proxyName() {
    return pod.name() + "." + pod.namespace();
  }

  public boolean isDebugClient() {
    return type == NodeType.DEBUG || metadata.isEventGenerator();
  }

  public static ProxyNode from(Node node) throws InvalidNodeException {
    return NodeIdParser.parse(node.getId(), NodeMetadata.from(node.getMetadata()));
  }
}
