package io.telmesh.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XdsAddressTest {

  @ParameterizedTest
  @CsvSource({
    "10.96.0.10:15010, 10.96.0.10, 15010, true",
    "'[fd00::10]:15012', fd00::10, 15012, true",
    "'[FD00:0::10]:1', fd00::10, 1, true",
    "telmesh.telmesh-system.svc:15010, telmesh.telmesh-system.svc, 15010, false",
    "Telmesh.Example.:65535, telmesh.example, 65535, false",
    "localhost:15010, localhost, 15010, false",
  })
  void parsesHostsAndPorts(String text, String host, int port, boolean ip) {
    XdsAddress address = XdsAddress.parse(text);
    assertThat(address.host()).isEqualTo(host);
    assertThat(address.port()).isEqualTo(port);
    assertThat(address.ip()).isEqualTo(ip);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "telmesh.svc | the port is missing",
        "fd00::10:15010 | must be bracketed",
        "'[fd00::10]' | [ADDRESS]:PORT",
        "'[10.0.0.1]:80' | not an IPv6 address",
        "host:0 | not in 1-65535",
        "host:65536 | not in 1-65535",
        "host:http | not a number",
        "10.0.0.256:15010 | neither an IP address nor a DNS name",
        "bad_name:15010 | neither an IP address nor a DNS name",
        "-bad.example:15010 | neither an IP address nor a DNS name",
        "':15010' | neither an IP address nor a DNS name",
        "10.0.0.0/8:15010 | neither an IP address nor a DNS name",
      })
  void refusesWhatIsNotAnAddress(String text, String reason) {
    assertThatThrownBy(() -> XdsAddress.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid xDS address")
        .hasMessageContaining(reason);
  }
}
