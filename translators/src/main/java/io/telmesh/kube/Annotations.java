package io.telmesh.kube;

/** Annotation and label keys telmesh reads. */
public final class Annotations {

  public static final String NETWORKS = "k8s.v1.cni.cncf.io/networks";
  public static final String NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status";

  /** The old plural spelling some Multus versions wrote. */
  public static final String NETWORKS_STATUS_OLD = "k8s.v1.cni.cncf.io/networks-status";

  public static final String SERVICE_NETWORK = "k8s.v1.cni.cncf.io/service-network";

  /** Istio: the namespaces whose sidecars see a Service (comma list of *, ., ~ or names). */
  public static final String SERVICE_EXPORT_TO = "networking.istio.io/exportTo";

  public static final String NAD_RESOURCE_NAME = "k8s.v1.cni.cncf.io/resourceName";

  public static final String INCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/includeInboundPorts";
  public static final String EXCLUDE_INBOUND_PORTS = "traffic.sidecar.istio.io/excludeInboundPorts";
  public static final String INCLUDE_OUTBOUND_IP_RANGES =
      "traffic.sidecar.istio.io/includeOutboundIPRanges";
  public static final String EXCLUDE_OUTBOUND_IP_RANGES =
      "traffic.sidecar.istio.io/excludeOutboundIPRanges";
  public static final String INCLUDE_OUTBOUND_PORTS =
      "traffic.sidecar.istio.io/includeOutboundPorts";
  public static final String EXCLUDE_OUTBOUND_PORTS =
      "traffic.sidecar.istio.io/excludeOutboundPorts";
  public static final String KUBEVIRT_INTERFACES = "traffic.sidecar.istio.io/kubevirtInterfaces";
  public static final String EXCLUDE_INTERFACES = "traffic.sidecar.istio.io/excludeInterfaces";
  public static final String INTERCEPTION_MODE = "sidecar.istio.io/interceptionMode";

  /** telmesh: capture only these interfaces (comma list); every interface when absent. */
  public static final String INCLUDE_INTERFACES = "telmesh.io/includeInterfaces";

  /** telmesh: these interfaces bypass the sidecar for inbound traffic only. */
  public static final String EXCLUDE_INBOUND_INTERFACES = "telmesh.io/excludeInboundInterfaces";

  /** telmesh: {@code "true"} redirects the pod's DNS queries to the agent's DNS port. */
  public static final String CAPTURE_DNS = "telmesh.io/captureDNS";

  /**
   * telmesh: {@code "true"} writes a JSON access log line per connection and request of the pod's
   * chains to the sidecar's stdout; {@code "false"} keeps it off whatever the node or server says.
   */
  public static final String ACCESS_LOG = "telmesh.io/access-log";

  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  public static final String MULTUS_SLICE_CONTROLLER =
      "multus-endpointslice-controller.npwg.k8s.io";

  private Annotations() {}

  /** The field path of an annotation, for problems. */
  public static String field(String key) {
    return "metadata.annotations[" + key + "]";
  }
}
