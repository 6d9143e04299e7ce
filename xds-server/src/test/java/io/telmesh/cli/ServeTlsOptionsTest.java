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
  void withoutTheKubernetesApiTheClientAuthenticationMustBeChosen() throws Exception {
    TestCertificates ca = new TestCertificates("test CA");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    ca.writeServing(cert, key);
    String[] tls = {
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
      key.toString()
    };
    CliRun unsaid = CliRun.of(tls);
    assertThat(unsaid.exitCode()).isEqualTo(2);
    assertThat(unsaid.err()).contains("needs --client-auth certificate", "--client-auth none");
    CliRun token = CliRun.of(concat(tls, "--client-auth", "token"));
    assertThat(token.exitCode()).isEqualTo(2);
    assertThat(token.err()).contains("--client-auth token needs the Kubernetes API");
    CliRun certificate = CliRun.of(concat(tls, "--client-auth", "certificate"));
    assertThat(certificate.exitCode()).isEqualTo(2);
    assertThat(certificate.err()).contains("--client-auth certificate needs --client-ca");
    CliRun typo = CliRun.of(concat(tls, "--client-auth", "tokens"));
    assertThat(typo.exitCode()).isEqualTo(2);
    assertThat(typo.err()).contains("--client-auth tokens: expected token, certificate or none");
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
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
        key.toString(),
        "--client-auth",
        "none");
  }
}
