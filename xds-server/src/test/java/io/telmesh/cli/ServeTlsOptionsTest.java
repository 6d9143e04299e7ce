package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code serve}'s TLS flags: what is missing or broken is a one-line error, before listening. */
class ServeTlsOptionsTest {

  @TempDir Path dir;

  @Test
  void aSecurePortNeedsACertificateAndKey() {
    CliRun run =
        CliRun.of("serve", "--secure-port", "0", "--xds-port", "0", "--monitoring-port", "0");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--secure-port needs --tls-cert and --tls-key");
  }

  @Test
  void aCertificateWithoutASecurePortIsRefused() {
    CliRun run = CliRun.of("serve", "--tls-cert", "a.crt", "--tls-key", "a.key");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("--tls-cert and --tls-key need --secure-port");
  }

  @Test
  void aKeyThatIsNotTheCertificatesIsNamed() throws Exception {
    TestCertificates ca = new TestCertificates("test CA");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    ca.writeServing(cert, key);
    Path otherKey = dir.resolve("other.key");
    ca.writeServing(dir.resolve("other.crt"), otherKey);
    CliRun run = serveTls(cert, otherKey);
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("TLS certificate", "the key does not belong to the certificate")
        .doesNotContain("\tat ");
    Files.writeString(key, "not a key");
    CliRun broken = serveTls(cert, key);
    assertThat(broken.exitCode()).isEqualTo(1);
    assertThat(broken.err()).contains("not a PKCS#8").doesNotContain("\tat ");
  }

  private static CliRun serveTls(Path cert, Path key) {
    return CliRun.of(
        "serve",
        "--secure-port",
        "0",
        "--xds-port",
        "0",
        "--monitoring-port",
        "0",
        "--tls-cert",
        cert.toString(),
        "--tls-key",
        key.toString());
  }
}
