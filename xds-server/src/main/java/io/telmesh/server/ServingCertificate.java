package io.telmesh.server;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS port's certificate and key, read from their files into grpc-java's key manager, and read
 * again when either file changes. A pair that does not match (the key written, the certificate not
 * yet) or does not parse is not installed: the previous pair keeps serving and the next check tries
 * again. Each change is logged once.
 *
 * <p>Not grpc-java's own periodic reload ({@code updateIdentityCredentials(cert, key, period, …)}):
 * with 1.85 it never served a rotated pair in {@code SecureXdsTest} (the first certificate stayed
 * for 30 s), and its source as read suggests the reader gets the two files in swapped order. This
 * one also refuses a mismatched pair and says each change once.
 */
final class ServingCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(ServingCertificate.class);

  private final Path certFile;
  private final Path keyFile;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private List<FileTime> seen = List.of();
  private Optional<String> lastFailure = Optional.empty();

  ServingCertificate(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  AdvancedTlsX509KeyManager keyManager() {
    return keys;
  }

  /** The first read: a missing, broken or mismatched pair stops the start. */
  synchronized void load() throws IOException {
    try {
      install(read());
      seen = times();
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException(
          "TLS certificate " + certFile + ", key " + keyFile + ": " + message(e), e);
    }
  }

  /** Called periodically: installs the files' pair when they changed and it is valid. */
  synchronized void reloadIfChanged() {
    List<FileTime> now;
    try {
      now = times();
    } catch (IOException e) {
      fail("cannot read " + message(e));
      return;
    }
    if (now.equals(seen)) {
      return;
    }
    try {
      install(read());
      seen = now;
      lastFailure = Optional.empty();
    } catch (GeneralSecurityException | IOException e) {
      fail(message(e));
    }
  }

  private record Pair(List<X509Certificate> chain, PrivateKey key) {}

  private Pair read() throws IOException, GeneralSecurityException {
    X509Certificate[] chain;
    try (InputStream in = Files.newInputStream(certFile)) {
      chain = CertificateUtils.getX509Certificates(in);
    }
    if (chain.length == 0) {
      throw new GeneralSecurityException("no certificate in the certificate file");
    }
    PrivateKey key;
    try (InputStream in = Files.newInputStream(keyFile)) {
      key = CertificateUtils.getPrivateKey(in);
    } catch (java.security.spec.InvalidKeySpecException e) {
      throw new GeneralSecurityException(
          "the key is not a PKCS#8 RSA or EC private key (\"BEGIN PRIVATE KEY\")", e);
    }
    if (!matches(chain[0], key)) {
      throw new GeneralSecurityException("the key does not belong to the certificate");
    }
    return new Pair(List.of(chain), key);
  }

  /** Whether the key signs what the certificate's public key verifies. */
  private static boolean matches(X509Certificate cert, PrivateKey key)
      throws GeneralSecurityException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    byte[] probe = "telmesh".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.security.Signature signer = java.security.Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
    verifier.initVerify(cert.getPublicKey());
    verifier.update(probe);
    return verifier.verify(signature);
  }

  private void install(Pair pair) {
    keys.updateIdentityCredentials(pair.chain().toArray(new X509Certificate[0]), pair.key());
    X509Certificate leaf = pair.chain().get(0);
    LOG.info(
        "TLS serving certificate {} (serial {}, valid until {}) from {}",
        leaf.getSubjectX500Principal().getName(),
        leaf.getSerialNumber().toString(16),
        leaf.getNotAfter().toInstant(),
        certFile);
  }

  private void fail(String why) {
    if (!lastFailure.equals(Optional.of(why))) {
      LOG.warn("TLS serving certificate not reloaded, the previous one stays: {}", why);
      lastFailure = Optional.of(why);
    }
  }

  private List<FileTime> times() throws IOException {
    return Arrays.asList(Files.getLastModifiedTime(certFile), Files.getLastModifiedTime(keyFile));
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
