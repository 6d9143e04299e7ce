package io.telmesh.bootstrap;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.UpstreamConnectionOptions;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.TcpKeepalive;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.grpc_credential.v3.FileBasedMetadataConfig;
import io.envoyproxy.envoy.config.listener.v3.AdditionalAddress;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.Clusters;
import io.telmesh.envoy.IstioMutualTls;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.Protos;
import io.telmesh.envoy.RuntimeKeys;
import io.telmesh.model.Workload;
import java.util.Optional;

/**
 * A pod's Envoy bootstrap, Istio-shaped, for a sidecar that talks to telmesh directly. Pure: the
 * same pod, address, mode and version always give the same bootstrap.
 */
public final class BootstrapBuilder {

  public static final int ADMIN_PORT = 15000;
  public static final int PROMETHEUS_PORT = 15090;
  public static final int READINESS_PORT = 15021;
  public static final String XDS_CLUSTER = "xds-grpc";

  public static final String TLS_TRANSPORT_SOCKET = "envoy.transport_sockets.tls";

  /** Istio's name for the cluster that reaches Envoy's own admin endpoint. */
  public static final String ADMIN_CLUSTER = "prometheus_stats";

  public static final String PROMETHEUS_PATH = "/stats/prometheus";
  public static final String READINESS_PATH = "/healthz/ready";

  /** Envoy's admin answers 200 once the server is live, i.e. its initial LDS and CDS arrived. */
  private static final String ADMIN_READY_PATH = "/ready";

  /** Istio's limits on the xDS connection: high enough never to queue config. */
  private static final int XDS_CIRCUIT_LIMIT = 100_000;

  private static final int XDS_TCP_KEEPALIVE_SECONDS = 300;

  /**
   * HTTP/2 PINGs no more often than grpc-java servers accept by default (5 minutes): more frequent
   * pings get the connection closed with ENHANCE_YOUR_CALM.
   */
  private static final long XDS_PING_INTERVAL_SECONDS = 300;

  private static final long XDS_PING_TIMEOUT_SECONDS = 20;

  private BootstrapBuilder() {}

  public static Bootstrap build(
      Workload workload, XdsAddress xds, AdsMode mode, String istioVersion) {
    return build(workload, xds, mode, istioVersion, Optional.empty());
  }

  /**
   * The sidecar's bootstrap, its xDS connection over TLS when a root is given.
   *
   * @param xdsRootCert where the sidecar finds the CA that signed telmesh's serving certificate (a
   *     path in the pod, not read here): the xDS connection then uses TLS, verifies the certificate
   *     against it and requires the xDS host among its subject alternative names
   */
  public static Bootstrap build(
      Workload workload,
      XdsAddress xds,
      AdsMode mode,
      String istioVersion,
      Optional<String> xdsRootCert) {
    return build(workload, xds, mode, istioVersion, xdsRootCert, Optional.empty());
  }

  /**
   * The sidecar's bootstrap, presenting the pod's service-account token to telmesh's TLS port.
   *
   * @param xdsToken where the sidecar finds its token (a projected, rotating service-account token
   *     with telmesh's audience, a path in the pod): the ADS stream then goes through Envoy's
   *     Google gRPC client, whose {@code file_based_metadata} call credentials read the file for
   *     every new stream and send it as {@code authorization: Bearer}, so a rotated token is used
   *     at the next reconnect with no agent in the pod. Needs {@code xdsRootCert}: a token never
   *     travels in plaintext.
   * @throws IllegalArgumentException when a token is given without a root
   */
  public static Bootstrap build(
      Workload workload,
      XdsAddress xds,
      AdsMode mode,
      String istioVersion,
      Optional<String> xdsRootCert,
      Optional<String> xdsToken) {
    if (xdsToken.isPresent() && xdsRootCert.isEmpty()) {
      throw new IllegalArgumentException(
          "a token is only sent over TLS: give the root certificate too");
    }
    GrpcService.Builder ads =
        xdsToken.isPresent()
            ? GrpcService.newBuilder()
                .setGoogleGrpc(googleGrpc(xds, xdsRootCert.orElseThrow(), xdsToken.get()))
            : GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(XDS_CLUSTER));
    boolean ipv6Only = workload.hasIpv6() && !workload.hasIpv4();
    String localhost = ipv6Only ? "::1" : "127.0.0.1";
    return Bootstrap.newBuilder()
        .setNode(SidecarNode.of(workload, istioVersion))
        .setStaticResources(
            Bootstrap.StaticResources.newBuilder()
                .addListeners(prometheusListener(workload))
                .addListeners(readinessListener(workload))
                .addClusters(adminCluster(localhost))
                .addClusters(xdsCluster(xds, xdsRootCert))
                .addClusters(sdsCluster()))
        .setDynamicResources(
            Bootstrap.DynamicResources.newBuilder()
                .setLdsConfig(adsSource())
                .setCdsConfig(adsSource())
                .setAdsConfig(
                    ApiConfigSource.newBuilder()
                        .setApiType(mode.apiType())
                        .setTransportApiVersion(ApiVersion.V3)
                        .setSetNodeOnFirstMessageOnly(true)
                        .addGrpcServices(ads)))
        .setStatsConfig(StatsTags.config())
        .setAdmin(Admin.newBuilder().setAddress(Addresses.socket(localhost, ADMIN_PORT)))
        .setLayeredRuntime(
            LayeredRuntime.newBuilder()
                // istiod's RE2 limit, which route regexes are checked against before they are sent.
                .addLayers(
                    RuntimeLayer.newBuilder()
                        .setName("global config")
                        .setStaticLayer(
                            Struct.newBuilder()
                                .putFields(
                                    RuntimeKeys.RE2_MAX_PROGRAM_SIZE,
                                    Value.newBuilder()
                                        .setStringValue(
                                            String.valueOf(RuntimeKeys.RE2_PROGRAM_LIMIT))
                                        .build())))
                .addLayers(
                    RuntimeLayer.newBuilder()
                        .setName("admin")
                        .setAdminLayer(RuntimeLayer.AdminLayer.getDefaultInstance())))
        .build();
  }

  /** The name Envoy registers its file-based call credentials under, factory and plugin alike. */
  public static final String FILE_BASED_METADATA = "envoy.grpc_credentials.file_based_metadata";

  /**
   * ADS through Envoy's Google gRPC client: TLS trusting the root (gRPC checks the target's name
   * against the certificate), and the token file read by the file-based metadata plugin, which only
   * its own credentials factory applies.
   */
  private static GrpcService.GoogleGrpc googleGrpc(XdsAddress xds, String rootCert, String token) {
    return GrpcService.GoogleGrpc.newBuilder()
        .setTargetUri(xds.toString())
        .setStatPrefix(XDS_CLUSTER)
        .setChannelCredentials(
            GrpcService.GoogleGrpc.ChannelCredentials.newBuilder()
                .setSslCredentials(
                    GrpcService.GoogleGrpc.SslCredentials.newBuilder()
                        .setRootCerts(DataSource.newBuilder().setFilename(rootCert))))
        .addCallCredentials(
            GrpcService.GoogleGrpc.CallCredentials.newBuilder()
                .setFromPlugin(
                    GrpcService.GoogleGrpc.CallCredentials.MetadataCredentialsFromPlugin
                        .newBuilder()
                        .setName(FILE_BASED_METADATA)
                        .setTypedConfig(
                            Protos.pack(
                                FileBasedMetadataConfig.newBuilder()
                                    .setSecretData(DataSource.newBuilder().setFilename(token))
                                    .setHeaderPrefix("Bearer ")
                                    .build()))))
        .setCredentialsFactoryName(FILE_BASED_METADATA)
        .build();
  }

  /** Wait for the first LDS/CDS as long as it takes: Envoy is not ready before it has config. */
  private static ConfigSource adsSource() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setInitialFetchTimeout(Protos.seconds(0))
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  /**
   * istio-agent's SDS server, from which mutual TLS clusters and chains take the workload
   * certificate and the mesh root, as in Istio's bootstrap. Without an agent beside Envoy nothing
   * listens there, and only DestinationRules with ISTIO_MUTUAL would notice.
   */
  private static Cluster sdsCluster() {
    return Cluster.newBuilder()
        .setName(IstioMutualTls.SDS_CLUSTER)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Protos.seconds(1))
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder()
                .setClusterName(IstioMutualTls.SDS_CLUSTER)
                .addEndpoints(
                    LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(
                            LbEndpoint.newBuilder()
                                .setEndpoint(
                                    Endpoint.newBuilder()
                                        .setAddress(
                                            Address.newBuilder()
                                                .setPipe(
                                                    Pipe.newBuilder()
                                                        .setPath(IstioMutualTls.SDS_SOCKET)))))))
        .putTypedExtensionProtocolOptions(
            Clusters.HTTP_PROTOCOL_OPTIONS, http2(Http2ProtocolOptions.getDefaultInstance()))
        .build();
  }

  /** A static cluster's HTTP/2, which gRPC to the agent and to telmesh speaks. */
  private static com.google.protobuf.Any http2(Http2ProtocolOptions options) {
    return Protos.pack(
        HttpProtocolOptions.newBuilder()
            .setExplicitHttpConfig(
                HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(options))
            .build());
  }

  // respect_dns_ttl is deprecated in favour of the DnsCluster extension, which Envoys older than
  // 1.32 lack; Istio's bootstrap still sets the field, and so do we, for the same Envoys.
  @SuppressWarnings("deprecation")
  private static Cluster xdsCluster(XdsAddress xds, Optional<String> rootCert) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(XDS_CLUSTER)
            .setAltStatName(Names.delimited(XDS_CLUSTER))
            .setType(xds.ip() ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
            .setConnectTimeout(Protos.seconds(1))
            .setLoadAssignment(singleEndpoint(XDS_CLUSTER, xds.host(), xds.port()))
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(xdsThreshold(RoutingPriority.DEFAULT))
                    .addThresholds(xdsThreshold(RoutingPriority.HIGH)))
            .setUpstreamConnectionOptions(
                UpstreamConnectionOptions.newBuilder()
                    .setTcpKeepalive(
                        TcpKeepalive.newBuilder()
                            .setKeepaliveTime(UInt32Value.of(XDS_TCP_KEEPALIVE_SECONDS))))
            .putTypedExtensionProtocolOptions(
                Clusters.HTTP_PROTOCOL_OPTIONS,
                http2(
                    Http2ProtocolOptions.newBuilder()
                        .setConnectionKeepalive(
                            KeepaliveSettings.newBuilder()
                                .setInterval(Protos.seconds(XDS_PING_INTERVAL_SECONDS))
                                .setTimeout(Protos.seconds(XDS_PING_TIMEOUT_SECONDS)))
                        .build()));
    rootCert.ifPresent(
        ca ->
            cluster.setTransportSocket(
                TransportSocket.newBuilder()
                    .setName(TLS_TRANSPORT_SOCKET)
                    .setTypedConfig(Protos.pack(xdsTls(xds, ca)))));
    if (!xds.ip()) {
      // A Service name: follow its address as DNS changes it, either family.
      cluster.setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED).setRespectDnsTtl(true);
    }
    return cluster.build();
  }

  /**
   * TLS to telmesh: its certificate must chain to the root and name the xDS host (Envoy checks no
   * name unless told to), offered as h2 for gRPC, with the host as SNI.
   */
  private static UpstreamTlsContext xdsTls(XdsAddress xds, String rootCert) {
    SubjectAltNameMatcher name =
        SubjectAltNameMatcher.newBuilder()
            .setSanType(
                xds.ip()
                    ? SubjectAltNameMatcher.SanType.IP_ADDRESS
                    : SubjectAltNameMatcher.SanType.DNS)
            .setMatcher(StringMatcher.newBuilder().setExact(xds.host()))
            .build();
    UpstreamTlsContext.Builder tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addAlpnProtocols("h2")
                    .setValidationContext(
                        CertificateValidationContext.newBuilder()
                            .setTrustedCa(DataSource.newBuilder().setFilename(rootCert))
                            .addMatchTypedSubjectAltNames(name)));
    if (!xds.ip()) {
      tls.setSni(xds.host());
    }
    return tls.build();
  }

  private static CircuitBreakers.Thresholds xdsThreshold(RoutingPriority priority) {
    return CircuitBreakers.Thresholds.newBuilder()
        .setPriority(priority)
        .setMaxConnections(UInt32Value.of(XDS_CIRCUIT_LIMIT))
        .setMaxPendingRequests(UInt32Value.of(XDS_CIRCUIT_LIMIT))
        .setMaxRequests(UInt32Value.of(XDS_CIRCUIT_LIMIT))
        .build();
  }

  /** Envoy's own admin endpoint, reached by the stats and readiness listeners. */
  private static Cluster adminCluster(String localhost) {
    return Cluster.newBuilder()
        .setName(ADMIN_CLUSTER)
        .setAltStatName(Names.delimited(ADMIN_CLUSTER))
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Protos.millis(250))
        .setLoadAssignment(singleEndpoint(ADMIN_CLUSTER, localhost, ADMIN_PORT))
        .build();
  }

  private static ClusterLoadAssignment singleEndpoint(String cluster, String host, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder().setAddress(Addresses.socket(host, port)))))
        .build();
  }

  private static Listener prometheusListener(Workload workload) {
    return localHttpListener(
        workload,
        PROMETHEUS_PORT,
        "stats",
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPath(PROMETHEUS_PATH))
            .setRoute(RouteAction.newBuilder().setCluster(ADMIN_CLUSTER))
            .build());
  }

  /** Istio's agent answers this port; without one, Envoy's admin {@code /ready} does. */
  private static Listener readinessListener(Workload workload) {
    return localHttpListener(
        workload,
        READINESS_PORT,
        "agent",
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPath(READINESS_PATH))
            .setRoute(
                RouteAction.newBuilder()
                    .setCluster(ADMIN_CLUSTER)
                    .setPrefixRewrite(ADMIN_READY_PATH))
            .build());
  }

  /**
   * A listener on every address of the pod's families that forwards exactly one path to the admin
   * endpoint (exact match: the admin endpoint must not be reachable beyond that path).
   */
  private static Listener localHttpListener(
      Workload workload, int port, String statPrefix, Route route) {
    boolean ipv6 = workload.hasIpv6();
    boolean ipv4 = workload.hasIpv4();
    String primary = ipv4 ? Names.WILDCARD_V4 : Names.WILDCARD_V6;
    Listener.Builder listener =
        Listener.newBuilder()
            .setName(Names.listener(primary, port))
            .setAddress(Addresses.socket(primary, port))
            .setIgnoreGlobalConnLimit(true)
            .setBypassOverloadManager(true)
            .addFilterChains(
                FilterChain.newBuilder()
                    .addFilters(
                        NetworkFilters.httpConnectionManager(
                            HttpConnectionManager.newBuilder()
                                .setStatPrefix(statPrefix)
                                .setCodecType(HttpConnectionManager.CodecType.AUTO)
                                .setRouteConfig(
                                    RouteConfiguration.newBuilder()
                                        .addVirtualHosts(
                                            VirtualHost.newBuilder()
                                                .setName("backend")
                                                .addDomains("*")
                                                .addRoutes(route)))
                                .addHttpFilters(NetworkFilters.router())
                                .build())));
    if (ipv4 && ipv6) {
      listener.addAdditionalAddresses(
          AdditionalAddress.newBuilder().setAddress(Addresses.socket(Names.WILDCARD_V6, port)));
    }
    return listener.build();
  }
}
