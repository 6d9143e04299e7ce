package io.telmesh.envoy;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Optional;

/**
 * Istio's mutual TLS between sidecars, in the shapes istiod sends: both sides take their workload
 * certificate ({@code default}) and the mesh root ({@code ROOTCA}) over SDS from the sidecar's
 * istio-agent, which gets them from the control plane's CA. Envoy never sees a key from xDS.
 */
public final class IstioMutualTls {

  /** The bootstrap cluster istio-agent's SDS server listens behind (a Unix socket). */
  public static final String SDS_CLUSTER = "sds-grpc";

  /** istio-agent's socket, relative to Envoy's working directory, as Istio's bootstrap has it. */
  public static final String SDS_SOCKET = "./var/run/secrets/workload-spiffe-uds/socket";

  /** Istio's default trust domain ({@code meshConfig.trustDomain}). */
  public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";

  public static final String WORKLOAD_CERTIFICATE = "default";
  public static final String ROOT_CERTIFICATE = "ROOTCA";
  public static final String TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

  /**
   * The ALPN a client sidecar offers and a server sidecar's TLS chains match: istiod's in-mesh
   * value when metadata exchange is off, which it is here (that filter needs Istio's Envoy build).
   */
  public static final List<String> IN_MESH_ALPN = List.of("istio");

  /**
   * What a server sidecar's mutual TLS chains match: the in-mesh ALPNs of every Istio client
   * sidecar, with and without metadata exchange, so istiod-configured clients get in too.
   */
  public static final List<String> SERVER_ALPN_MATCH =
      List.of("istio-peer-exchange", "istio", "istio-http/1.0", "istio-http/1.1", "istio-h2");

  private IstioMutualTls() {}

  /**
   * A client cluster's TLS: the workload certificate, the server's checked against the mesh root
   * and, when known, its identities.
   *
   * @param sni the server name sent; empty sends none
   * @param identities SPIFFE IDs the server may present; empty accepts any the mesh root signed
   * @param http2 whether the cluster speaks HTTP/2, which the ALPN then offers too
   */
  public static TransportSocket upstream(
      Optional<String> sni, List<String> identities, boolean http2) {
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
    for (String identity : identities) {
      validation.addMatchTypedSubjectAltNames(
          SubjectAltNameMatcher.newBuilder()
              .setSanType(SubjectAltNameMatcher.SanType.URI)
              .setMatcher(StringMatcher.newBuilder().setExact(identity)));
    }
    CommonTlsContext.Builder common = common(validation.build());
    common.addAllAlpnProtocols(IN_MESH_ALPN);
    if (http2) {
      common.addAlpnProtocols("h2");
    }
    UpstreamTlsContext.Builder tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
    sni.ifPresent(tls::setSni);
    return socket(Protos.pack(tls.build()));
  }

  /**
   * A server chain's TLS: the workload certificate, and a client certificate the mesh root signed
   * required (a chain matched on the in-mesh ALPN has only sidecars as clients).
   *
   * @param alpn what the server agrees to after the handshake: the port's application protocols
   */
  public static TransportSocket downstream(List<String> alpn) {
    CommonTlsContext.Builder common =
        common(CertificateValidationContext.getDefaultInstance()).addAllAlpnProtocols(alpn);
    return socket(
        Protos.pack(
            DownstreamTlsContext.newBuilder()
                .setCommonTlsContext(common)
                .setRequireClientCertificate(BoolValue.of(true))
                .build()));
  }

  /** {@code spiffe://<trust domain>/ns/<namespace>/sa/<service account>}, Istio's identity. */
  public static String spiffeId(String trustDomain, String namespace, String serviceAccount) {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  private static CommonTlsContext.Builder common(CertificateValidationContext validation) {
    return CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(sds(WORKLOAD_CERTIFICATE))
        .setCombinedValidationContext(
            CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setDefaultValidationContext(validation)
                .setValidationContextSdsSecretConfig(sds(ROOT_CERTIFICATE)));
  }

  /**
   * A secret from istio-agent, waited for without a timeout as istiod's are: a cluster without its
   * certificate would only fail handshakes.
   */
  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder()
        .setName(name)
        .setSdsConfig(
            ConfigSource.newBuilder()
                .setResourceApiVersion(ApiVersion.V3)
                .setInitialFetchTimeout(Protos.seconds(0))
                .setApiConfigSource(
                    ApiConfigSource.newBuilder()
                        .setApiType(ApiConfigSource.ApiType.GRPC)
                        .setTransportApiVersion(ApiVersion.V3)
                        .setSetNodeOnFirstMessageOnly(true)
                        .addGrpcServices(
                            GrpcService.newBuilder()
                                .setEnvoyGrpc(
                                    GrpcService.EnvoyGrpc.newBuilder()
                                        .setClusterName(SDS_CLUSTER)))))
        .build();
  }

  private static TransportSocket socket(com.google.protobuf.Any config) {
    return TransportSocket.newBuilder().setName(TRANSPORT_SOCKET).setTypedConfig(config).build();
  }
}
