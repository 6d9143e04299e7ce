package io.telmesh.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.testing.Meshes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flags mode reproduces istio-iptables: for the settings of each committed reference output (see
 * the README next to them), telmesh's rule lines equal Istio's, table by table, in order.
 */
class IstioGoldenTest {

  private static final Path GOLDENS =
      Meshes.repoRoot().resolve("translators/src/test/resources/istio-iptables-golden");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "empty",
        "inbound-ports-wildcard",
        "inbound-ports-include",
        "basic-exclude-nic",
        "kube-virt-interfaces",
        "inbound-ports-tproxy"
      })
  void sameRulesAsIstio(String name) throws IOException {
    String golden = Files.readString(GOLDENS.resolve(name + ".golden"));
    assertThat(IstioCases.goldenLines(golden))
        .as("reference output %s has rules", name)
        .isNotEmpty();
    assertThat(IstioCases.telmeshLines(name))
        .as("rules for %s", name)
        .containsExactlyElementsOf(IstioCases.goldenLines(golden));
  }
}
