package io.telmesh.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.debug.DebugTypes;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.NamespacedName;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code telmesh dump}: what the control plane sent a connected proxy, in Envoy's
 * {@code /config_dump} layout (from {@code istio.io/debug/config_dump}).
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = "Print what a connected proxy was sent, in Envoy's /config_dump layout.")
final class DumpCommand implements Runnable {

  enum Type { listeners, clusters, routes, endpoints, all }

  private static final Map<Type, String> TYPE_URLS = Map.of(
      Type.listeners, "type.googleapis.com/" + ListenersConfigDump.getDescriptor().getFullName(),
      Type.clusters, "type.googleapis.com/" + ClustersConfigDump.getDescriptor().getFullName(),
      Type.routes, "type.googleapis.com/" + RoutesConfigDump.getDescriptor().getFullName(),
      Type.endpoints, "type.googleapis.com/" + EndpointsConfigDump.getDescriptor().getFullName());

  @Spec
  CommandSpec spec;

  @Mixin
  XdsAddressOption xds = new XdsAddressOption();

  @Option(names = "--pod", required = true, paramLabel = "NS/NAME", converter = PodRef.class,
      description = "The proxy's pod.")
  NamespacedName pod;

  @Option(names = "--type", defaultValue = "all", description = "listeners, clusters, routes, endpoints or all (default: ${DEFAULT-VALUE}).")
  Type type;

  @Option(names = {"-o", "--output"}, defaultValue = "json", description = "json or yaml (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public void run() {
    DiscoveryResponse response = xds.ask(DebugTypes.CONFIG_DUMP, List.of(pod.name() + "." + pod.namespace()));
    if (response.getResourcesCount() == 0) {
      throw new UserError("proxy " + pod.name() + "." + pod.namespace() + " is not connected to the control plane at "
          + xds.address);
    }
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    for (Any config : response.getResourcesList()) {
      if (type == Type.all || config.getTypeUrl().equals(TYPE_URLS.get(type))) {
        dump.addConfigs(config);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    try {
      out.println(output.render(EnvoyTypes.printer().print(dump.build())));
    } catch (InvalidProtocolBufferException e) {
      throw new UserError("the dump holds a type this telmesh cannot print: " + e.getMessage());
    }
    out.flush();
  }
}
