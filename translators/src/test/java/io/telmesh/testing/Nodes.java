package io.telmesh.testing;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.node.InvalidNodeException;
import io.telmesh.node.ProxyNode;
import io.telmesh.node.SidecarIds;
import java.util.Map;

/** Istio-shaped nodes for tests. */
public final class Nodes {

  private Nodes() {}

  public static Node envoyNode(
      String pod, String namespace, String ip, Map<String, String> metadata) {
    Struct.Builder struct =
        Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build());
    metadata.forEach((k, v) -> struct.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Node.newBuilder()
        .setId(SidecarIds.id(ip, new NamespacedName(namespace, pod)))
        .setMetadata(struct)
        .build();
  }

  public static ProxyNode sidecar(
      String pod, String namespace, String ip, Map<String, String> metadata) {
    try {
      return ProxyNode.from(envoyNode(pod, namespace, ip, metadata));
    } catch (InvalidNodeException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A sidecar node for a workload of the mesh, with its first address. */
  public static ProxyNode forWorkload(MeshState mesh, NamespacedName key) {
    Workload workload = mesh.workload(key).orElseThrow();
    String ip =
        workload.clusterIps().isEmpty() ? "10.0.0.1" : workload.clusterIps().get(0).address();
    return sidecar(key.name(), key.namespace(), ip, Map.of());
  }

  public static ProxyNode grpc(String name, String namespace) {
    return sidecar(name, namespace, "127.0.0.1", Map.of("GENERATOR", "grpc"));
  }
}
