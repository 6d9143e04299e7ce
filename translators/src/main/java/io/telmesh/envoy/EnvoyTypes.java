package io.telmesh.envoy;

import com.google.protobuf.Descriptors.Descriptor;
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

/**
 * The message types telmesh packs into {@code Any}, so JSON output resolves every
 * {@code typed_config} (as Envoy's own {@code /config_dump} does).
 */
public final class EnvoyTypes {

  private static final List<Descriptor> TYPES = List.of(
      Listener.getDescriptor(), Cluster.getDescriptor(), RouteConfiguration.getDescriptor(),
      ClusterLoadAssignment.getDescriptor(), TcpProxy.getDescriptor(), HttpConnectionManager.getDescriptor(),
      Router.getDescriptor(), OriginalDst.getDescriptor(), OriginalSrc.getDescriptor(),
      HttpInspector.getDescriptor(), TlsInspector.getDescriptor(), HttpProtocolOptions.getDescriptor(),
      RawBuffer.getDescriptor(), ConfigDump.getDescriptor(), ListenersConfigDump.getDescriptor(),
      ClustersConfigDump.getDescriptor(), RoutesConfigDump.getDescriptor(), EndpointsConfigDump.getDescriptor(),
      Bootstrap.getDescriptor(), ClientConfig.getDescriptor(),
      io.telmesh.proto.v1.ProblemReport.getDescriptor());

  private static final JsonFormat.TypeRegistry REGISTRY = JsonFormat.TypeRegistry.newBuilder().add(TYPES).build();

  private EnvoyTypes() {}

  public static JsonFormat.TypeRegistry registry() {
    return REGISTRY;
  }

  /** JSON as Envoy prints it: proto field names, defaults omitted, Any resolved. */
  public static JsonFormat.Printer printer() {
    return JsonFormat.printer().usingTypeRegistry(REGISTRY).preservingProtoFieldNames();
  }

  public static JsonFormat.Parser parser() {
    return JsonFormat.parser().usingTypeRegistry(REGISTRY);
  }
}
