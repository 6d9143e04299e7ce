package io.telmesh.envoy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The optional JSON access log on the sidecar's stdout, one line per TCP connection or HTTP request
 * of a telmesh chain. Values are Envoy's own command operators; the chain's direction, interface,
 * network and port are literals, since each chain is built knowing them and Envoy does not.
 */
public final class AccessLogs {

  public static final String STDOUT_LOGGER = "envoy.access_loggers.stdout";

  /**
   * What both TCP and HTTP lines carry, keyed by the JSON field name. Order is kept so the config
   * (and its hash) is stable.
   */
  static final Map<String, String> CONNECTION_FIELDS =
      ordered(
          "start_time", "%START_TIME%",
          "filter_chain", "%FILTER_CHAIN_NAME%",
          "downstream_remote_address", "%DOWNSTREAM_REMOTE_ADDRESS%",
          "downstream_local_address", "%DOWNSTREAM_LOCAL_ADDRESS%",
          "upstream_cluster", "%UPSTREAM_CLUSTER%",
          "upstream_host", "%UPSTREAM_HOST%",
          "upstream_local_address", "%UPSTREAM_LOCAL_ADDRESS%",
          "bytes_received", "%BYTES_RECEIVED%",
          "bytes_sent", "%BYTES_SENT%",
          "duration", "%DURATION%",
          "response_flags", "%RESPONSE_FLAGS%",
          "connection_termination_details", "%CONNECTION_TERMINATION_DETAILS%");

  /** What HTTP lines carry on top of {@link #CONNECTION_FIELDS}. */
  static final Map<String, String> REQUEST_FIELDS =
      ordered(
          "method", "%REQ(:METHOD)%",
          "path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
          "authority", "%REQ(:AUTHORITY)%",
          "protocol", "%PROTOCOL%",
          "response_code", "%RESPONSE_CODE%",
          "response_code_details", "%RESPONSE_CODE_DETAILS%");

  /**
   * Characters a literal keeps. Everything else becomes {@code _}: above all {@code %}, which Envoy
   * would read as the start of a command operator (an unknown one makes Envoy reject the listener),
   * but also quotes, control characters and anything a log shipper might choke on. Network names
   * come from a pod annotation and are otherwise unchecked.
   */
  private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9_./:*-]");

  private static final int MAX_LITERAL = 253;

  /**
   * What a chain knows about itself; empty parts are left out of the line (a shared outbound
   * listener does not know the client's interface, a catch-all chain no port).
   */
  public record Chain(
      String direction,
      Optional<String> interfaceName,
      Optional<String> network,
      OptionalInt port) {

    public static Chain inbound() {
      return new Chain("inbound", Optional.empty(), Optional.empty(), OptionalInt.empty());
    }

    public static Chain outbound() {
      return new Chain("outbound", Optional.empty(), Optional.empty(), OptionalInt.empty());
    }

    public Chain on(String interfaceName, String network) {
      return new Chain(direction, Optional.of(interfaceName), Optional.of(network), port);
    }

    public Chain onNetwork(String network) {
      return new Chain(direction, interfaceName, Optional.of(network), port);
    }

    public Chain port(int number) {
      return new Chain(direction, interfaceName, network, OptionalInt.of(number));
    }

    Map<String, String> literals() {
      Map<String, String> literals = new LinkedHashMap<>();
      literals.put("direction", direction);
      interfaceName.ifPresent(i -> literals.put("interface", i));
      network.ifPresent(n -> literals.put("network", n));
      port.ifPresent(p -> literals.put("port", Integer.toString(p)));
      return literals;
    }
  }

  private AccessLogs() {}

  /** The log of a tcp_proxy chain: connection fields only. */
  public static AccessLog tcp(Chain chain) {
    return stdout(format(chain, false));
  }

  /** The log of an HTTP connection manager: one line per request. */
  public static AccessLog http(Chain chain) {
    return stdout(format(chain, true));
  }

  /** The JSON format: the chain's literals first, then the operators. */
  static Struct format(Chain chain, boolean http) {
    Struct.Builder format = Struct.newBuilder();
    chain.literals().forEach((k, v) -> format.putFields(k, string(literal(v))));
    CONNECTION_FIELDS.forEach((k, v) -> format.putFields(k, string(v)));
    if (http) {
      REQUEST_FIELDS.forEach((k, v) -> format.putFields(k, string(v)));
    }
    return format.build();
  }

  /** A value safe to put into a format as a literal: no command operator can come out of it. */
  static String literal(String value) {
    String safe = UNSAFE.matcher(value).replaceAll("_");
    return safe.length() > MAX_LITERAL ? safe.substring(0, MAX_LITERAL) : safe;
  }

  private static AccessLog stdout(Struct format) {
    StdoutAccessLog logger =
        StdoutAccessLog.newBuilder()
            .setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(format))
            .build();
    return AccessLog.newBuilder()
        .setName(STDOUT_LOGGER)
        .setTypedConfig(Protos.pack(logger))
        .build();
  }

  private static Value string(String value) {
    return Value.newBuilder().setStringValue(value).build();
  }

  private static Map<String, String> ordered(String... keyValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put(keyValues[i], keyValues[i + 1]);
    }
    return Collections.unmodifiableMap(map);
  }
}
