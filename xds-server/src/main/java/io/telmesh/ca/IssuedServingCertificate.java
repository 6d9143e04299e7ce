package io.telmesh.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's serving certificate, issued from the CA for the names clients dial, written to two
 * files only this process can read, and issued again at half its life. The TLS port reloads the
 * files as it does for operator-provided ones, so renewal needs nothing else.
 */
public final class IssuedServingCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(IssuedServingCertificate.class);

  private final CaKeys ca;
  private final List<String> names;
  private final Duration validity;
  private final Clock clock;
  private final Path certFile;
  private final Path keyFile;

  public IssuedServingCertificate(
      CaKeys ca, List<String> names, Duration validity, Clock clock, Path directory) {
    this.ca = ca;
    this.names = List.copyOf(names);
    this.validity = validity;
    this.clock = clock;
    this.certFile = directory.resolve("tls.crt");
    this.keyFile = directory.resolve("tls.key");
  }

  public Path certFile() {
    return certFile;
  }

  public Path keyFile() {
    return keyFile;
  }

  /** How often to issue again: at half the certificate's life. */
  public Duration renewal() {
    return validity.dividedBy(2);
  }

  /**
   * Issues a certificate and writes it: key first, then the chain, each moved into place whole.
   *
   * @throws IOException when the files cannot be written, or the certificate cannot be made
   */
  public synchronized void issue() throws IOException {
    CaKeys.Issued issued;
    try {
      issued = ca.issueServing(names, validity, clock);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot issue the serving certificate: " + e.getMessage(), e);
    }
    write(keyFile, issued.keyPem());
    write(certFile, issued.chainPem());
    LOG.info(
        "issued the xDS serving certificate for {} (serial {}, valid until {})",
        String.join(", ", names),
        issued.certificate().getSerialNumber().toString(16),
        issued.certificate().getNotAfter().toInstant());
  }

  /** For a scheduler: a failed renewal is logged and tried at the next period. */
  public void renew() {
    try {
      issue();
    } catch (IOException | RuntimeException e) {
      LOG.error("cannot renew the xDS serving certificate: {}", e.getMessage());
    }
  }

  private static void write(Path file, String text) throws IOException {
    Path temporary =
        Files.createTempFile(
            file.getParent(),
            ".tmp",
            null,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, text, StandardCharsets.US_ASCII);
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
