package io.telmesh.cli;

import io.telmesh.logging.LogFormat;
import java.util.Locale;
import picocli.CommandLine;

/** {@code --log-format text|json}. */
final class LogFormatConverter implements CommandLine.ITypeConverter<LogFormat> {

  @Override
  public LogFormat convert(String value) {
    try {
      return LogFormat.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a format: text, json");
    }
  }
}
