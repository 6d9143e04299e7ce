package io.telmesh.bootstrap;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.telmesh.model.ContainerPort;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.IpAddress;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import io.telmesh.node.SidecarIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node a pod's sidecar announces, as Istio's injector and agent would write it: the id the
 * server parses ({@code sidecar~IP~POD.NS~NS.svc.cluster.local}) and the metadata keys it reads.
 */
public final class SidecarNode {

  /** Istio's defaults for a single-cluster mesh. */
  static final String CLUSTER_ID = "Kubernetes";

  static final String MESH_ID = "cluster.local";

  /** Labels Istio reads the workload's canonical name from, in order. */
  private static final List<String> NAME_LABELS =
      List.of("service.istio.io/canonical-name", "app.kubernetes.io/name", "app");

  private SidecarNode() {}

  public static Node of(Workload workload, String istioVersion) {
    return Node.newBuilder()
        .setId(SidecarIds.id(workload))
        .setCluster(workloadName(workload) + "." + workload.namespace())
        .setMetadata(metadata(workload, istioVersion))
        .build();
  }

  /**
   * Istio names the workload after its controller (a Deployment's name); the pod model carries no
   * owner, so the canonical-name labels stand in, then the pod's own name.
   */
  static String workloadName(Workload workload) {
    for (String label : NAME_LABELS) {
      String value = workload.labels().get(label);
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return workload.name();
  }

  static Struct metadata(Workload workload, String istioVersion) {
    Struct.Builder labels = Struct.newBuilder();
    workload.labels().forEach((k, v) -> labels.putFields(k, string(v)));
    InterceptionMode mode = workload.capture().interceptionMode().orElse(InterceptionMode.REDIRECT);
    return Struct.newBuilder()
        .putFields("CLUSTER_ID", string(CLUSTER_ID))
        .putFields("INSTANCE_IPS", string(String.join(",", instanceIps(workload))))
        .putFields("INTERFACES", interfaces(workload))
        .putFields("INTERCEPTION_MODE", string(mode.name()))
        .putFields("ISTIO_VERSION", string(istioVersion))
        .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
        .putFields("MESH_ID", string(MESH_ID))
        .putFields("NAME", string(workload.name()))
        .putFields("NAMESPACE", string(workload.namespace()))
        .putFields("POD_PORTS", string(podPorts(workload)))
        .putFields("WORKLOAD_NAME", string(workloadName(workload)))
        .build();
  }

  /** Every address of every interface, cluster network first, without repeats. */
  static List<String> instanceIps(Workload workload) {
    Set<String> ips = new LinkedHashSet<>();
    workload.interfaces().stream()
        .filter(PodInterface::isDefault)
        .forEach(i -> addAll(ips, i.ips()));
    workload.interfaces().stream().filter(i -> !i.isDefault()).forEach(i -> addAll(ips, i.ips()));
    return List.copyOf(ips);
  }

  private static void addAll(Set<String> ips, List<IpAddress> addresses) {
    addresses.forEach(a -> ips.add(a.address()));
  }

  /** telmesh's addition: which interface and network each address is on (Istio has no such key). */
  private static Value interfaces(Workload workload) {
    ListValue.Builder list = ListValue.newBuilder();
    for (PodInterface i : workload.interfaces()) {
      ListValue.Builder ips = ListValue.newBuilder();
      i.ips().forEach(ip -> ips.addValues(string(ip.address())));
      list.addValues(
          Value.newBuilder()
              .setStructValue(
                  Struct.newBuilder()
                      .putFields("name", string(i.name()))
                      .putFields("network", string(i.network()))
                      .putFields("ips", Value.newBuilder().setListValue(ips).build())));
    }
    return Value.newBuilder().setListValue(list).build();
  }

  /** Istio's {@code POD_PORTS}: the containers' ports as a JSON array in a string. */
  static String podPorts(Workload workload) {
    List<Map<String, Object>> ports = new ArrayList<>();
    for (ContainerPort port : workload.containerPorts()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      if (!port.name().isEmpty()) {
        entry.put("name", port.name());
      }
      entry.put("containerPort", port.port());
      entry.put("protocol", port.protocol().name());
      ports.add(entry);
    }
    return JsonMapper.builder().build().writeValueAsString(ports);
  }

  private static Value string(String text) {
    return Value.newBuilder().setStringValue(text).build();
  }
}
