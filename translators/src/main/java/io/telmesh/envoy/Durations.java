package io.telmesh.envoy;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as Istio node metadata carries them ({@code IDLE_TIMEOUT: "30s"}). */
public final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private Durations() {}

  /** Parses {@code 1h30m}, {@code 30s}, {@code 250ms}; empty for anything else (or negative). */
  public static Optional<Duration> parseGo(String text) {
    if (text == null || text.isBlank()) {
      return Optional.empty();
    }
    String value = text.strip();
    if (value.equals("0")) {
      return Optional.of(Duration.ZERO);
    }
    Matcher matcher = PART.matcher(value);
    long nanos = 0;
    int end = 0;
    while (matcher.find()) {
      if (matcher.start() != end) {
        return Optional.empty();
      }
      end = matcher.end();
      double amount = Double.parseDouble(matcher.group(1));
      double unit =
          switch (matcher.group(2)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
          };
      double part = amount * unit;
      if (part > Long.MAX_VALUE - nanos) {
        return Optional.empty();
      }
      nanos += (long) part;
    }
    return end == value.length() && end > 0
        ? Optional.of(Duration.ofNanos(nanos))
        : Optional.empty();
  }
}
