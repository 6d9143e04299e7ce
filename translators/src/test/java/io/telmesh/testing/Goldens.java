package io.telmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;

/**
 * Golden files: compared byte for byte, regenerated only with {@code -Dgolden.update=true} (then
 * reviewed in the diff before committing).
 */
public final class Goldens {

  private Goldens() {}

  public static boolean updating() {
    return Boolean.getBoolean("golden.update");
  }

  public static void assertMatches(Path golden, String actual) {
    try {
      if (updating()) {
        Files.createDirectories(golden.getParent());
        Files.writeString(golden, actual, StandardCharsets.UTF_8);
        return;
      }
      if (!Files.exists(golden)) {
        Assertions.fail(
            "golden file " + golden + " is missing; run with -Dgolden.update=true and review it");
      }
      String expected = Files.readString(golden, StandardCharsets.UTF_8);
      assertThat(actual)
          .as(
              "output differs from golden %s (regenerate with -Dgolden.update=true and review)",
              golden)
          .isEqualTo(expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
