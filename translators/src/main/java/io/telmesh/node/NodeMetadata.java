package io.telmesh.node;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.telmesh.envoy.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The node metadata keys telmesh uses. Strings are read as Istio writes them; unknown or malformed
 * values are left empty rather than rejected, as Istio does.
 *
 * @param generator {@code grpc} for proxyless gRPC clients, {@code event} for istioctl debug
 * @param accessLog {@code TELMESH_ACCESS_LOG} ({@code "true"} or {@code "false"}, any case): the
 *     sidecar's access log when its pod does not choose; anything else counts as no choice
 */
public record NodeMetadata(
    Optional<String> namespace,
    List<String> instanceIps,
    Optional<String> interceptionMode,
    Optional<String> generator,
    Optional<Duration> idleTimeout,
    Optional<String> istioVersion,
    Optional<Boolean> accessLog) {

  public static final NodeMetadata EMPTY =
      new NodeMetadata(
          Optional.empty(),
          List.of(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty());

  public NodeMetadata {
    instanceIps = List.copyOf(instanceIps);
  }

  public static NodeMetadata from(Struct metadata) {
    return new NodeMetadata(
        string(metadata, "NAMESPACE"),
        string(metadata, "INSTANCE_IPS")
            .map(
                ips ->
                    Arrays.stream(ips.split(","))
                        .map(String::strip)
                        .filter(s -> !s.isEmpty())
                        .toList())
            .orElse(List.of()),
        string(metadata, "INTERCEPTION_MODE"),
        string(metadata, "GENERATOR"),
        string(metadata, "IDLE_TIMEOUT").flatMap(Durations::parseGo),
        string(metadata, "ISTIO_VERSION"),
        string(metadata, "TELMESH_ACCESS_LOG").flatMap(NodeMetadata::bool));
  }

  public boolean isProxylessGrpc() {
    return generator.filter("grpc"::equals).isPresent();
  }

  /** istioctl connects with {@code GENERATOR: event} to read debug types only. */
  public boolean isEventGenerator() {
    return generator.filter("event"::equals).isPresent();
  }

  private static Optional<Boolean> bool(String value) {
    return switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> Optional.of(true);
      case "false" -> Optional.of(false);
      default -> Optional.empty();
    };
  }

  private static Optional<String> string(Struct metadata, String key) {
    Value value = metadata.getFieldsOrDefault(key, null);
    if (value == null
        || value.getKindCase() != Value.KindCase.STRING_VALUE
        || value.getStringValue().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(value.getStringValue());
  }
}
