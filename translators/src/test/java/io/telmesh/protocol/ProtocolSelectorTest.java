package io.telmesh.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.model.AppProtocol;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProtocolSelectorTest {

  /**
   * Istio's own choice: appProtocol wins, else the name prefix, else sniffing or well-known TCP.
   */
  @ParameterizedTest(name = "name={0} appProtocol={1} port={2} -> {3}")
  @CsvSource(
      nullValues = "-",
      value = {
        "http-web, -, 80, HTTP",
        "HTTP-Web, -, 80, HTTP",
        "http2, -, 80, HTTP2",
        "grpc, -, 80, GRPC",
        "grpc-web, -, 80, GRPC_WEB",
        "grpc-web-ui, -, 80, GRPC_WEB",
        "https-admin, -, 443, HTTPS",
        "tls, -, 443, TLS",
        "tcp-diameter, -, 3868, TCP",
        "mongo, -, 1, MONGO",
        "redis-cache, -, 1, REDIS",
        "mysql, -, 1, MYSQL",
        "web, -, 8080, AUTO",
        "-, -, 8080, AUTO",
        "diameter, -, 3868, AUTO",
        "-, -, 25, TCP",
        "-, -, 53, TCP",
        "-, -, 3306, TCP",
        "-, -, 27017, TCP",
        "foo, -, 27017, TCP",
        "http-web, tcp, 80, TCP",
        "tcp-raw, http, 80, HTTP",
        "x, kubernetes.io/h2c, 80, HTTP2",
        "x, kubernetes.io/ws, 80, HTTP",
        "x, kubernetes.io/wss, 80, HTTPS",
        "x, HTTP2, 80, HTTP2",
        "x, unknown-proto, 80, AUTO",
        "x, unknown-proto, 53, TCP",
      })
  void istioRules(String name, String appProtocol, int port, AppProtocol expected) {
    assertThat(
            ProtocolSelector.istioProtocol(
                name == null ? "" : name, Optional.ofNullable(appProtocol), port))
        .isEqualTo(expected);
  }

  /** telmesh's choice: Istio's, plus Diameter by appProtocol, name or port. */
  @ParameterizedTest(name = "name={0} appProtocol={1} port={2} -> {3}")
  @CsvSource(
      nullValues = "-",
      value = {
        "x, diameter, 9999, DIAMETER",
        "x, Diameters, 9999, DIAMETER",
        "diameter, -, 9999, DIAMETER",
        "Diameter-s6a, -, 9999, DIAMETER",
        "tcp-diameter, -, 9999, DIAMETER",
        "tcp-diameter-gx, -, 9999, DIAMETER",
        "diameterx, -, 9999, AUTO",
        "my-diameter, -, 9999, AUTO",
        "-, -, 3868, DIAMETER",
        "-, -, 5868, DIAMETER",
        "tcp, -, 3868, DIAMETER",
        "web, -, 3868, DIAMETER",
        "mongo, -, 3868, DIAMETER",
        "http-x, -, 3868, HTTP",
        "grpc, -, 3868, GRPC",
        "https, -, 5868, HTTPS",
        "tls, -, 5868, TLS",
        "x, http, 3868, HTTP",
        "x, kubernetes.io/wss, 5868, HTTPS",
        "x, tcp, 3868, DIAMETER",
        "diameter, http, 9999, HTTP",
        "tcp-diameter, tcp, 9999, TCP",
        "http-web, -, 8080, HTTP",
      })
  void telmeshRules(String name, String appProtocol, int port, AppProtocol expected) {
    assertThat(
            ProtocolSelector.select(
                name == null ? "" : name, Optional.ofNullable(appProtocol), port))
        .isEqualTo(expected);
  }
}
