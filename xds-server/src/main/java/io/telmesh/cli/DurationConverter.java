package io.telmesh.cli;

import io.telmesh.envoy.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Go-style durations on the command line: {@code 100ms}, {@code 1s}, {@code 2m}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return Durations.parseGo(value)
        .orElseThrow(
            () ->
                new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration like 100ms, 1s or 2m"));
  }
}
