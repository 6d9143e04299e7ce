package io.telmesh.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.telmesh.debug.DebugTypes;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.NamespacedName;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code telmesh dump}: what the control plane sent a connected proxy, in Envoy's {@code
 * /config_dump} layout (from {@code istio.io/debug/config_dump}).
 */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = "Print what a connected proxy was sent, in Envoy's /config_dump layout.")
final class DumpCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin XdsAddressOption xds = new XdsAddressOption();

  @Option(
      names = "--pod",
      required = true,
      paramLabel = "NS/NAME",
      converter = PodRef.class,
      description = "The proxy's pod.")
  NamespacedName pod;

  @Mixin DumpOptions parts = new DumpOptions();

  @Override
  public void run() {
    DiscoveryResponse response =
        xds.ask(DebugTypes.CONFIG_DUMP, List.of(pod.name() + "." + pod.namespace()));
    if (response.getResourcesCount() == 0) {
      throw new UserError(
          "proxy "
              + pod.name()
              + "."
              + pod.namespace()
              + " is not connected to the control plane at "
              + xds.address);
    }
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    for (Any config : response.getResourcesList()) {
      if (parts.includes(config.getTypeUrl())) {
        dump.addConfigs(config);
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    try {
      out.println(parts.output.render(EnvoyTypes.printer().print(dump.build())));
    } catch (InvalidProtocolBufferException e) {
      throw new UserError("the dump holds a type this telmesh cannot print: " + e.getMessage());
    }
    out.flush();
  }
}
