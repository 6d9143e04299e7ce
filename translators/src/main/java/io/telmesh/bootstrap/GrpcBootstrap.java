package io.telmesh.bootstrap;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.node.SidecarIds;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The bootstrap file a proxyless gRPC workload reads ({@code GRPC_XDS_BOOTSTRAP}), shaped as
 * Istio's agent writes it, for pods that run without the agent: telmesh as the one xDS server
 * (plaintext, {@code xds_v3}, which grpc-java wants and grpc-go ignores), the node as a sidecar of
 * the pod with {@code GENERATOR: grpc}, and Istio's server listener template, so that {@code
 * xds.NewGRPCServer} and {@code XdsServerBuilder} ask for {@code
 * xds.istio.io/grpc/lds/inbound/<host>:<port>}. grpc-go and grpc-java read it in {@code
 * ProxylessGrpcTest}.
 */
public final class GrpcBootstrap {

  public static final String SERVER_LISTENER_TEMPLATE = "xds.istio.io/grpc/lds/inbound/%s";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private GrpcBootstrap() {}

  /** For a pod of the mesh: its node id and the metadata its sidecar would announce. */
  public static JsonNode of(Workload workload, XdsAddress xds, String istioVersion) {
    return of(workload, xds, istioVersion, Optional.empty(), Optional.empty());
  }

  /**
   * For a pod of the mesh, to telmesh's TLS port when a root is given.
   *
   * @param rootCert the CA file (a path in the pod) for the {@code tls} channel credentials (gRFC
   *     A65's {@code ca_certificate_file}; grpc-java 1.85 ignores the config and trusts the JVM's
   *     trust store, see docs/security.md)
   * @param token the pod's service-account token file, sent as {@code authorization: Bearer} by
   *     gRFC A97's {@code jwt_token_file} call credentials (grpc-go reads them when {@code
   *     GRPC_EXPERIMENTAL_XDS_BOOTSTRAP_CALL_CREDS=true}); needs the root
   */
  public static JsonNode of(
      Workload workload,
      XdsAddress xds,
      String istioVersion,
      Optional<String> rootCert,
      Optional<String> token) {
    if (token.isPresent() && rootCert.isEmpty()) {
      throw new IllegalArgumentException(
          "a token is only sent over TLS: give the root certificate too");
    }
    ObjectNode bootstrap =
        build(SidecarIds.id(workload), SidecarNode.metadata(workload, istioVersion), xds);
    ObjectNode server = (ObjectNode) bootstrap.get("xds_servers").get(0);
    rootCert.ifPresent(
        ca -> {
          ArrayNode channel = server.putArray("channel_creds");
          ObjectNode tls = channel.addObject().put("type", "tls");
          tls.putObject("config").put("ca_certificate_file", ca);
        });
    token.ifPresent(
        file ->
            server
                .putArray("call_creds")
                .addObject()
                .put("type", "jwt_token_file")
                .putObject("config")
                .put("jwt_token_file", file));
    return bootstrap;
  }

  /**
   * For a client whose pod telmesh does not know (a job, a pod outside the mesh): it gets the
   * client part, every Service it may call.
   */
  public static JsonNode client(
      String ip, NamespacedName pod, XdsAddress xds, String istioVersion) {
    Struct metadata =
        Struct.newBuilder()
            .putFields("NAMESPACE", string(pod.namespace()))
            .putFields("INSTANCE_IPS", string(ip))
            .putFields("CLUSTER_ID", string(SidecarNode.CLUSTER_ID))
            .putFields("ISTIO_VERSION", string(istioVersion))
            .build();
    return build(SidecarIds.id(ip, pod), metadata, xds);
  }

  private static ObjectNode build(String nodeId, Struct sidecarMetadata, XdsAddress xds) {
    ObjectNode bootstrap = JSON.createObjectNode();
    ObjectNode server = bootstrap.putArray("xds_servers").addObject();
    server.put("server_uri", xds.toString());
    server.putArray("channel_creds").addObject().put("type", "insecure");
    server.putArray("server_features").add("xds_v3");
    ObjectNode node = bootstrap.putObject("node");
    node.put("id", nodeId);
    ObjectNode metadata = (ObjectNode) JSON.readTree(print(sidecarMetadata));
    metadata.put("GENERATOR", "grpc");
    node.set("metadata", metadata);
    node.putObject("locality");
    bootstrap.put("server_listener_resource_name_template", SERVER_LISTENER_TEMPLATE);
    return bootstrap;
  }

  private static String print(Struct struct) {
    try {
      return JsonFormat.printer().print(struct);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a Struct always prints", e);
    }
  }

  private static Value string(String value) {
    return Value.newBuilder().setStringValue(value).build();
  }
}
