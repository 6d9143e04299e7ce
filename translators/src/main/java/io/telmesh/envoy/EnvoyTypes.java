package io.telmesh.envoy;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.original_src.v3.OriginalSrc;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The message types telmesh packs into {@code Any}, so JSON output resolves every {@code
 * typed_config} (as Envoy's own {@code /config_dump} does) and the validator can unpack and check
 * what is inside. A type missing here is reported by the validator as unknown: add every type that
 * is packed anywhere.
 */
public final class EnvoyTypes {

  private static final List<Message> PROTOTYPES =
      List.of(
          Listener.getDefaultInstance(),
          Cluster.getDefaultInstance(),
          RouteConfiguration.getDefaultInstance(),
          ClusterLoadAssignment.getDefaultInstance(),
          TcpProxy.getDefaultInstance(),
          HttpConnectionManager.getDefaultInstance(),
          Router.getDefaultInstance(),
          OriginalDst.getDefaultInstance(),
          OriginalSrc.getDefaultInstance(),
          HttpInspector.getDefaultInstance(),
          TlsInspector.getDefaultInstance(),
          HttpProtocolOptions.getDefaultInstance(),
          RawBuffer.getDefaultInstance(),
          StdoutAccessLog.getDefaultInstance(),
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              .getDefaultInstance(),
          io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
              .getDefaultInstance(),
          io.envoyproxy.envoy.config.grpc_credential.v3.FileBasedMetadataConfig
              .getDefaultInstance(),
          io.envoyproxy.envoy.extensions.filters.http.grpc_stats.v3.FilterConfig
              .getDefaultInstance(),
          io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDefaultInstance(),
          io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors.getDefaultInstance(),
          ConfigDump.getDefaultInstance(),
          ListenersConfigDump.getDefaultInstance(),
          ClustersConfigDump.getDefaultInstance(),
          RoutesConfigDump.getDefaultInstance(),
          EndpointsConfigDump.getDefaultInstance(),
          Bootstrap.getDefaultInstance(),
          ClientConfig.getDefaultInstance(),
          io.telmesh.proto.v1.ProblemReport.getDefaultInstance());

  private static final Map<String, Message> BY_NAME =
      PROTOTYPES.stream()
          .collect(
              Collectors.toUnmodifiableMap(m -> m.getDescriptorForType().getFullName(), m -> m));

  private static final JsonFormat.TypeRegistry REGISTRY =
      JsonFormat.TypeRegistry.newBuilder()
          .add(PROTOTYPES.stream().map(Message::getDescriptorForType).toList())
          .build();

  private EnvoyTypes() {}

  public static JsonFormat.TypeRegistry registry() {
    return REGISTRY;
  }

  /** Every type telmesh packs, as default instances (whose parsers read packed bytes). */
  public static List<Message> prototypes() {
    return PROTOTYPES;
  }

  /**
   * The default instance of a type telmesh packs, by type URL ({@code type.googleapis.com/NAME}) or
   * full name; empty for any other type.
   */
  public static Optional<Message> prototype(String typeUrl) {
    return Optional.ofNullable(BY_NAME.get(typeUrl.substring(typeUrl.lastIndexOf('/') + 1)));
  }

  /** JSON as Envoy prints it: proto field names, defaults omitted, Any resolved. */
  public static JsonFormat.Printer printer() {
    return JsonFormat.printer().usingTypeRegistry(REGISTRY).preservingProtoFieldNames();
  }

  public static JsonFormat.Parser parser() {
    return JsonFormat.parser().usingTypeRegistry(REGISTRY);
  }
}
