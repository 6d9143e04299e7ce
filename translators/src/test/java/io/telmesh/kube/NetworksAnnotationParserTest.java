package io.telmesh.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.model.NamespacedName;
import io.telmesh.model.NetworkSelection;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NetworksAnnotationParserTest {

  @Test
  void commaForm() {
    assertThat(NetworksAnnotationParser.parse(" signaling, other-ns/ran@n2 ,", "telco"))
        .containsExactly(
            new NetworkSelection(new NamespacedName("telco", "signaling"), Optional.empty()),
            new NetworkSelection(new NamespacedName("other-ns", "ran"), Optional.of("n2")));
  }

  @Test
  void jsonForm() {
    assertThat(
            NetworksAnnotationParser.parse(
                """
        [{"name":"signaling","interface":"sig0"},{"name":"ran","namespace":"core","ips":["10.1.1.5/24"]},
         {"name":"old","interfaceRequest":"net9"}]""",
                "telco"))
        .containsExactly(
            new NetworkSelection(new NamespacedName("telco", "signaling"), Optional.of("sig0")),
            new NetworkSelection(new NamespacedName("core", "ran"), Optional.empty()),
            new NetworkSelection(new NamespacedName("telco", "old"), Optional.of("net9")));
  }

  @Test
  void invalidEntriesAreErrors() {
    assertThatThrownBy(() -> NetworksAnnotationParser.parse("a/b/c", "ns"))
        .hasMessageContaining("too many '/'");
    assertThatThrownBy(() -> NetworksAnnotationParser.parse("Bad_Name", "ns"))
        .hasMessageContaining("DNS-1123");
    assertThatThrownBy(() -> NetworksAnnotationParser.parse("sig@eth0;reboot", "ns"))
        .hasMessageContaining("invalid interface name");
    assertThatThrownBy(() -> NetworksAnnotationParser.parse("[{\"interface\":\"x\"}]", "ns"))
        .hasMessageContaining("no \"name\"");
    assertThatThrownBy(() -> NetworksAnnotationParser.parse("[{\"name\":", "ns"))
        .hasMessageContaining("malformed");
  }
}
