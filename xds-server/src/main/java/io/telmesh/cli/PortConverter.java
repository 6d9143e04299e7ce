package io.telmesh.cli;

import picocli.CommandLine;

/** A TCP port, 0 (any free port) to 65535, refused as a usage error otherwise. */
final class PortConverter implements CommandLine.ITypeConverter<Integer> {

  @Override
  public Integer convert(String value) {
    int port;
    try {
      port = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a port number");
    }
    if (port < 0 || port > 65535) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a port: 0 (any free port) to 65535");
    }
    return port;
  }
}
