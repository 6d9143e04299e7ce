package io.telmesh.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.model.IpAddress;
import io.telmesh.model.PodInterface;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkStatusParserTest {

  @Test
  void readsCurrentMultusFormat() {
    var result =
        NetworkStatusParser.parse(
            """
        [{"name":"kindnet","interface":"eth0","ips":["10.244.1.7"],"mac":"a2:1f:00:00:00:01","default":true,"dns":{}},
         {"name":"core/signaling","interface":"net1","ips":["192.168.50.7"],"mac":"a2:1f:00:00:00:02","dns":{}}]
        """,
            "core");
    assertThat(result.interfaces())
        .containsExactly(
            new PodInterface("eth0", "default", ips("10.244.1.7"), true),
            new PodInterface("net1", "core/signaling", ips("192.168.50.7"), false));
    assertThat(result.notes()).isEmpty();
  }

  @Test
  void toleratesOldAndOddShapes() {
    var result =
        NetworkStatusParser.parse(
            """
        [{"name":"","ips":["10.0.0.5"],"default":true},
         {"name":"signaling","interface":"net1","ips":["192.168.50.7/24","fd00::7/64"],"gateway":["192.168.50.1"]},
         {"name":"other/ran","interface":"net2","ips":["192.168.60.7"],"default-route":["192.168.60.1"]}]
        """,
            "telco");
    assertThat(result.interfaces())
        .containsExactly(
            new PodInterface("eth0", "default", ips("10.0.0.5"), true),
            new PodInterface("net1", "telco/signaling", ips("192.168.50.7", "fd00::7"), false),
            new PodInterface("net2", "other/ran", ips("192.168.60.7"), false));
  }

  @Test
  void skipsDevicesWithoutKernelInterfaceWithANote() {
    var result =
        NetworkStatusParser.parse(
            """
        [{"name":"cbr0","interface":"eth0","ips":["10.0.0.5"],"default":true},
         {"name":"sriov","device-info":{"type":"pci"}},
         {"name":"dpdk","interface":"net2"}]
        """,
            "ns");
    assertThat(result.interfaces()).extracting(PodInterface::name).containsExactly("eth0");
    assertThat(result.notes())
        .hasSize(2)
        .anySatisfy(n -> assertThat(n).contains("entry 1").contains("no interface"))
        .anySatisfy(n -> assertThat(n).contains("entry 2").contains("no addresses"));
  }

  @Test
  void rejectsHostileInterfaceNamesAndAddresses() {
    var result =
        NetworkStatusParser.parse(
            """
        [{"name":"a","interface":"net1 -j DROP","ips":["192.168.1.1"]},
         {"name":"b","interface":"net2","ips":["$(reboot)","192.168.1.2", 7]},
         {"name":"c","interface":"a-very-long-interface-name","ips":["192.168.1.3"]}]
        """,
            "ns");
    assertThat(result.interfaces())
        .containsExactly(new PodInterface("net2", "ns/b", ips("192.168.1.2"), false));
    assertThat(result.notes()).hasSize(4);
  }

  @Test
  void duplicateInterfaceKeepsTheFirst() {
    var result =
        NetworkStatusParser.parse(
            """
        [{"name":"a","interface":"net1","ips":["192.168.1.1"]},{"name":"b","interface":"net1","ips":["192.168.1.2"]}]
        """,
            "ns");
    assertThat(result.interfaces()).extracting(PodInterface::network).containsExactly("ns/a");
    assertThat(result.notes()).singleElement().asString().contains("listed twice");
  }

  @Test
  void malformedJsonIsAnError() {
    assertThatThrownBy(() -> NetworkStatusParser.parse("[{\"name\":", "ns"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> NetworkStatusParser.parse("{\"name\":\"x\"}", "ns"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("JSON list");
  }

  private static List<IpAddress> ips(String... ips) {
    return java.util.Arrays.stream(ips)
        .map(ip -> IpAddress.parse(ip).orElseThrow())
        .sorted()
        .toList();
  }
}
