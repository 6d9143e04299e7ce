package io.telmesh.cli;

import ch.qos.logback.classic.Level;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/**
 * {@code --log-level}: one of logback's levels by name, refused otherwise (never a silent default).
 */
final class LogLevelConverter implements CommandLine.ITypeConverter<Level> {

  private static final List<String> NAMES = List.of("error", "warn", "info", "debug", "trace");

  @Override
  public Level convert(String value) {
    String name = value.toLowerCase(Locale.ROOT);
    if (!NAMES.contains(name)) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a level: " + String.join(", ", NAMES));
    }
    return Level.toLevel(name);
  }
}
