package io.telmesh.cli;

import io.telmesh.model.NamespacedName;
import picocli.CommandLine;

/** Parses {@code --pod NS/NAME}. */
final class PodRef implements CommandLine.ITypeConverter<NamespacedName> {

  @Override
  public NamespacedName convert(String value) {
    return NamespacedName.parse(value)
        .orElseThrow(
            () -> new CommandLine.TypeConversionException("'" + value + "' is not NAMESPACE/NAME"));
  }
}
