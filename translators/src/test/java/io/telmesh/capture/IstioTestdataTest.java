package io.telmesh.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A local cross-check against every case of Istio's own capture tests, when {@code
 * -Distio.testdata=DIR} points at an extracted copy of {@code
 * tools/istio-iptables/pkg/capture/testdata} (see the README of istio-iptables-golden). Istio's
 * files are not part of telmesh, so CI skips this; the committed goldens are CI's check.
 */
@EnabledIfSystemProperty(
    named = "istio.testdata",
    matches = ".+",
    disabledReason =
        "optional cross-check: set -Distio.testdata=DIR to an extracted copy of Istio's "
            + "tools/istio-iptables/pkg/capture/testdata (not shipped with telmesh; CI checks the committed goldens)")
class IstioTestdataTest {

  private static Path testdata() {
    return Path.of(System.getProperty("istio.testdata"));
  }

  static Stream<String> cases() {
    return IstioCases.CASES.keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("cases")
  void sameRulesAsIstio(String name) throws IOException {
    String golden = Files.readString(testdata().resolve(name + ".golden"));
    assertThat(IstioCases.telmeshLines(name))
        .as("rules for %s", name)
        .containsExactlyElementsOf(IstioCases.goldenLines(golden));
  }

  /** A new case in Istio's suite must be added to {@link IstioCases}, or it would go unchecked. */
  @Test
  void everyIstioCaseIsKnown() throws IOException {
    Set<String> goldens = new TreeSet<>();
    try (Stream<Path> files = Files.list(testdata())) {
      files
          .map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".golden"))
          .forEach(f -> goldens.add(f.substring(0, f.length() - ".golden".length())));
    }
    assertThat(goldens).containsExactlyInAnyOrderElementsOf(List.copyOf(IstioCases.CASES.keySet()));
  }
}
