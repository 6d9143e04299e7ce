package io.telmesh.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A CA and the certificates it signs, made in the test and written as PEM files. */
public final class TestCertificates {

  private final KeyPair caKeys;
  private final X509Certificate ca;
  private final SecureRandom random = new SecureRandom();

  public TestCertificates(String name) throws GeneralSecurityException, IOException {
    caKeys = keys();
    X500Name subject = new X500Name("CN=" + name);
    try {
      ca =
          new JcaX509CertificateConverter()
              .getCertificate(
                  new JcaX509v3CertificateBuilder(
                          subject,
                          serial(),
                          Date.from(Instant.now().minus(Duration.ofMinutes(5))),
                          Date.from(Instant.now().plus(Duration.ofDays(1))),
                          subject,
                          caKeys.getPublic())
                      .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                      .addExtension(
                          Extension.keyUsage,
                          true,
                          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                      .build(
                          new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private BigInteger serial() {
    return new BigInteger(64, random);
  }

  public void writeCa(Path file) throws IOException {
    Files.writeString(file, pem(ca));
  }

  /**
   * A serving certificate for {@code localhost} and 127.0.0.1 signed by this CA, its chain and key
   * written to the files; returns it.
   */
  public X509Certificate writeServing(Path certFile, Path keyFile)
      throws GeneralSecurityException, IOException {
    return write(
        certFile,
        keyFile,
        "localhost",
        new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
  }

  /** A client certificate whose only SAN is this URI (a SPIFFE ID), signed by this CA. */
  public X509Certificate writeClient(Path certFile, Path keyFile, String uri)
      throws GeneralSecurityException, IOException {
    return write(
        certFile, keyFile, "workload", new GeneralName(GeneralName.uniformResourceIdentifier, uri));
  }

  private X509Certificate write(
      Path certFile, Path keyFile, String commonName, GeneralName... names)
      throws GeneralSecurityException, IOException {
    KeyPair keys = keys();
    X509Certificate cert;
    try {
      cert =
          new JcaX509CertificateConverter()
              .getCertificate(
                  new JcaX509v3CertificateBuilder(
                          ca,
                          serial(),
                          Date.from(Instant.now().minus(Duration.ofMinutes(5))),
                          Date.from(Instant.now().plus(Duration.ofDays(1))),
                          new X500Name("CN=" + commonName),
                          keys.getPublic())
                      .addExtension(
                          Extension.subjectAlternativeName, false, new GeneralNames(names))
                      .build(
                          new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
    // Key first, then the certificate moved into place: a reader never sees a pair that does not
    // match for longer than one reload.
    // PKCS#8 ("BEGIN PRIVATE KEY"), the encoding grpc-java reads; JcaPEMWriter would write PKCS#1.
    Files.writeString(
        keyFile,
        "-----BEGIN PRIVATE KEY-----\n"
            + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(keys.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    Files.writeString(certFile, pem(cert) + pem(ca));
    return cert;
  }

  private static String pem(Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }
}
