package io.telmesh.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.model.InterceptionMode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IstioFlagsTest {

  @Test
  void noFlagsAreTheBinaryDefaults() {
    CaptureConfig config = IstioFlags.parse(List.of());
    assertThat(config).isEqualTo(CaptureConfig.istioDefaults().build());
    assertThat(config.inboundPorts().isEmpty()).as("no inbound ports unless -b").isTrue();
    assertThat(config.outboundIpRangesInclude())
        .as("no outbound ranges unless -i")
        .isEqualTo(IpRanges.NONE);
    assertThat(config.proxyUids()).containsExactly(1337L);
    assertThat(config.proxyGids()).containsExactly(1337L);
    assertThat(config.mode()).isEqualTo(InterceptionMode.REDIRECT);
    assertThat(config.flavor()).isEqualTo(RuleFlavor.ISTIO);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "-b 32000,31000",
        "-b32000,31000",
        "-b=32000,31000",
        "--istio-inbound-ports 32000,31000",
        "--istio-inbound-ports=32000,31000"
      })
  void acceptsEverySpellingOfAValue(String spelling) {
    CaptureConfig config = IstioFlags.parse(List.of(spelling.split(" ")));
    assertThat(config.inboundPorts()).isEqualTo(PortSelection.of(List.of(32000, 31000)));
  }

  @Test
  void listsKeepTheirOrderAndTheLastFlagWins() {
    CaptureConfig config =
        IstioFlags.parse(List.of("-b", "1", "-b", "9,3,9", "-k", "eth2,eth1", "-d", "6000,7000,"));
    assertThat(config.inboundPorts().ports()).containsExactly(9, 3, 9);
    assertThat(config.kubeVirtInterfaces()).containsExactly("eth2", "eth1");
    assertThat(config.inboundPortsExclude()).containsExactly(6000, 7000);
  }

  @Test
  void gidsDefaultToTheUids() {
    assertThat(IstioFlags.parse(List.of("-u", "3,4")).proxyGids()).containsExactly(3L, 4L);
    assertThat(IstioFlags.parse(List.of("-u", "3,4", "-g", "1")).proxyGids()).containsExactly(1L);
  }

  @Test
  void booleansTakeAnOptionalValue() {
    assertThat(IstioFlags.parse(List.of("--drop-invalid")).dropInvalid()).isTrue();
    assertThat(IstioFlags.parse(List.of("--drop-invalid=false")).dropInvalid()).isFalse();
    assertThat(IstioFlags.parse(List.of("--redirect-dns", "--capture-all-dns")).capturesDns())
        .isTrue();
  }

  @Test
  void dnsRedirectNeedsServersOrCaptureAll() {
    assertThat(IstioFlags.parse(List.of("--redirect-dns")).capturesDns()).isFalse();
    CaptureConfig config =
        IstioFlags.parse(List.of("--redirect-dns", "--dns-servers", "10.96.0.10, fd00::a"));
    assertThat(config.capturesDns()).isTrue();
    assertThat(config.dnsServers(IpFamily.V4)).containsExactly("10.96.0.10");
    assertThat(config.dnsServers(IpFamily.V6)).containsExactly("fd00::a");
  }

  @Test
  void wildcardsAreTheirOwnValue() {
    CaptureConfig config = IstioFlags.parse(List.of("-b", "*", "-i", "*"));
    assertThat(config.inboundPorts()).isEqualTo(PortSelection.ALL);
    assertThat(config.outboundIpRangesInclude()).isEqualTo(IpRanges.ALL);
    assertThat(IstioFlags.parse(List.of("--owner-groups", "java,202")).ownerGroups())
        .isEqualTo(new OwnerGroups(false, List.of("java", "202")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "-b | 70000 | '70000' is not a port",
        "-b | 80,http | 'http' is not a port",
        "-p | 0 | '0' is not a port",
        "-z | '' | '' is not a port",
        "-d | 15090;x | is not a port",
        "-q | -1 | '-1' is not a port",
        "-o | 65536 | '65536' is not a port",
        "-c | eth0 -j ACCEPT | 'eth0 -j ACCEPT' is not an interface name",
        "-c | net1,$(reboot) | '$(reboot)' is not an interface name",
        "-k | averyveryverylongname | is not an interface name",
        "-i | 10.0.0.0/33 | '10.0.0.0/33' is not a CIDR",
        "-i | 10.0.0.0/8 -j DROP | is not a CIDR",
        "-x | * | '*' is not a CIDR",
        "-u | root | 'root' is not a uid/gid number",
        "-g | 1337;4294967295 | '4294967295' is not a uid/gid number",
        "-u | '' | needs at least one uid/gid number",
        "-m | tproxy | is not REDIRECT or TPROXY",
        "-m | NONE | is not REDIRECT or TPROXY",
        "-t | 0x539 | is not a uid/gid number",
        "-r | 255 | reserved routing table",
        "--owner-groups | java,a b | 'a b' is not a group name or gid",
        "--owner-groups-exclude | ;rm | is not a group name or gid",
        "--dns-servers | 10.0.0.10/32 | is not an IP address",
        "--dns-servers | dns.example | is not an IP address",
        "--ipv4-loopback-cidr | 10.0.0.1/8 | is not an IPv4 loopback CIDR",
        "--ipv4-loopback-cidr | 127.0.0.1/4 | needs a mask of 8 to 32 bits",
        "--drop-invalid | yes | 'yes' is not true or false",
      })
  void refusesInvalidValuesNamingTheFlag(String flag, String value, String reason) {
    String arg = flag.startsWith("--") ? flag + "=" + value : flag;
    List<String> args =
        flag.startsWith("--") ? List.of(arg) : List.of(flag, value.replace(';', ','));
    assertThatThrownBy(() -> IstioFlags.parse(args))
        .isInstanceOfSatisfying(
            InvalidSettingException.class, e -> assertThat(e.setting()).isEqualTo(flag))
        .hasMessageStartingWith("flag " + flag)
        .hasMessageContaining(reason.replace(';', ','));
  }

  @Test
  void refusesUnknownFlagsMissingValuesAndStrayWords() {
    assertThatThrownBy(() -> IstioFlags.parse(List.of("--dry-run")))
        .isInstanceOf(InvalidSettingException.class)
        .hasMessageStartingWith("unknown flag --dry-run");
    assertThatThrownBy(() -> IstioFlags.parse(List.of("-n")))
        .hasMessageStartingWith("unknown flag -n");
    assertThatThrownBy(() -> IstioFlags.parse(List.of("-b"))).hasMessage("flag -b needs a value");
    assertThatThrownBy(() -> IstioFlags.parse(List.of("-b", "80", "eth0")))
        .hasMessageStartingWith("unexpected argument 'eth0'");
  }

  @Test
  void tooManyOwnerGroupsAreRefusedAsIstioDoes() {
    String groups = String.join(",", java.util.Collections.nCopies(65, "1000"));
    assertThatThrownBy(() -> IstioFlags.parse(List.of("--owner-groups", groups)))
        .hasMessageContaining("at most 64 groups");
  }

  @Test
  void flagsInListsTheFlagsGiven() {
    assertThat(IstioFlags.flagsIn(List.of("-b", "*", "--drop-invalid", "-d=1", "--ipv6=false")))
        .containsExactly(
            IstioFlags.Flag.INBOUND_PORTS,
            IstioFlags.Flag.DROP_INVALID,
            IstioFlags.Flag.INBOUND_PORTS_EXCLUDE,
            IstioFlags.Flag.IPV6);
  }
}
