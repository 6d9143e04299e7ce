package io.telmesh.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientConfig.GenericXdsConfig;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.telmesh.debug.DebugTypes;
import io.telmesh.snapshot.TypeUrls;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code telmesh proxy-status}: every connected proxy's sync state, as {@code istioctl
 * proxy-status}.
 */
@Command(
    name = "proxy-status",
    mixinStandardHelpOptions = true,
    description = "Show each connected proxy's xDS sync state (from istio.io/debug/syncz).")
final class ProxyStatusCommand implements Runnable {

  private static final Map<String, String> COLUMNS =
      Map.of(
          "CDS",
          TypeUrls.CLUSTER,
          "LDS",
          TypeUrls.LISTENER,
          "EDS",
          TypeUrls.ENDPOINT,
          "RDS",
          TypeUrls.ROUTE);
  private static final List<String> ORDER = List.of("CDS", "LDS", "EDS", "RDS");

  enum Format {
    table,
    json
  }

  @Spec CommandSpec spec;

  @Mixin XdsAddressOption xds = new XdsAddressOption();

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json (default: ${DEFAULT-VALUE}).")
  Format output;

  @Override
  public void run() {
    DiscoveryResponse response = xds.ask(DebugTypes.SYNCZ, List.of());
    List<ClientConfig> proxies = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      try {
        proxies.add(any.unpack(ClientConfig.class));
      } catch (InvalidProtocolBufferException e) {
        throw new UserError(
            "the control plane answered syncz with something other than ClientConfig: "
                + any.getTypeUrl());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output == Format.json) {
      out.println(
          JsonMapper.builder()
              .build()
              .writerWithDefaultPrettyPrinter()
              .writeValueAsString(json(proxies)));
    } else {
      out.print(table(proxies));
    }
    out.flush();
  }

  static String table(List<ClientConfig> proxies) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "CDS", "LDS", "EDS", "RDS", "VERSION"));
    for (ClientConfig proxy : proxies) {
      List<String> row = new ArrayList<>();
      row.add(proxy.getNode().getId());
      for (String column : ORDER) {
        row.add(status(find(proxy, COLUMNS.get(column))));
      }
      row.add(version(proxy));
      rows.add(row);
    }
    int[] widths = new int[6];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        text.append(
            i == row.size() - 1
                ? row.get(i)
                : String.format("%-" + (widths[i] + 3) + "s", row.get(i)));
      }
      text.append('\n');
    }
    return text.toString();
  }

  private static Optional<GenericXdsConfig> find(ClientConfig proxy, String typeUrl) {
    return proxy.getGenericXdsConfigsList().stream()
        .filter(c -> c.getTypeUrl().equals(typeUrl))
        .findFirst();
  }

  /** SYNCED, STALE, NOT SENT, or NACKED (the first 40 characters of the proxy's error). */
  static String status(Optional<GenericXdsConfig> config) {
    if (config.isEmpty()) {
      return "NOT SENT";
    }
    ConfigStatus status = config.get().getConfigStatus();
    return switch (status) {
      case SYNCED -> "SYNCED";
      case STALE -> "STALE";
      case ERROR -> {
        String details = config.get().getErrorState().getDetails().replaceAll("\\s+", " ");
        yield "NACKED (" + (details.length() > 40 ? details.substring(0, 40) : details) + ")";
      }
      default -> "NOT SENT";
    };
  }

  private static String version(ClientConfig proxy) {
    var value = proxy.getNode().getMetadata().getFieldsOrDefault("ISTIO_VERSION", null);
    return value == null || value.getStringValue().isEmpty() ? "-" : value.getStringValue();
  }

  private static List<Map<String, Object>> json(List<ClientConfig> proxies) {
    List<Map<String, Object>> result = new ArrayList<>();
    for (ClientConfig proxy : proxies) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", proxy.getNode().getId());
      entry.put("version", version(proxy));
      for (String column : ORDER) {
        Optional<GenericXdsConfig> config = find(proxy, COLUMNS.get(column));
        Map<String, Object> type = new LinkedHashMap<>();
        type.put("status", status(config));
        type.put("configVersion", config.map(GenericXdsConfig::getVersionInfo).orElse(""));
        config
            .filter(GenericXdsConfig::hasErrorState)
            .ifPresent(c -> type.put("error", c.getErrorState().getDetails()));
        entry.put(column.toLowerCase(java.util.Locale.ROOT), type);
      }
      result.add(entry);
    }
    return result;
  }
}
