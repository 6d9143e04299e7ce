package io.telmesh.cli;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import picocli.CommandLine;

/**
 * Sizes on the command line as Kubernetes quantities ({@code 16Mi}, {@code 512Ki}, {@code 1G},
 * {@code 1048576}), read by fabric8's own quantity parser.
 */
final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {

  @Override
  public Long convert(String value) {
    BigDecimal bytes;
    try {
      bytes = Quantity.getAmountInBytes(Quantity.parse(value));
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a size like 16Mi, 512Ki or 1048576");
    }
    if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a positive size (like 16Mi)");
    }
    return bytes.longValue();
  }
}
