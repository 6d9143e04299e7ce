package io.telmesh.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA's certificate and key: made, read from and written to PEM, and used to issue serving
 * certificates. Keys are PKCS#8, the encoding grpc-java's TLS reads.
 */
public record CaKeys(X509Certificate certificate, PrivateKey key) {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A self-signed root, valid from a few minutes ago (clocks drift) for {@code validity}. */
  public static CaKeys generate(String commonName, Duration validity, Clock clock)
      throws GeneralSecurityException {
    KeyPair keys = rsa();
    X500Name subject = new X500Name("CN=" + commonName + ",O=telmesh");
    Instant now = clock.instant();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509CertificateHolder holder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  serial(),
                  Date.from(now.minus(Duration.ofMinutes(5))),
                  Date.from(now.plus(validity)),
                  subject,
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(keys.getPublic()))
              .build(signer(keys.getPrivate()));
      return new CaKeys(
          new JcaX509CertificateConverter().getCertificate(holder), keys.getPrivate());
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** An issued leaf: its PEM chain (leaf then root) and PKCS#8 key. */
  public record Issued(X509Certificate certificate, String chainPem, String keyPem) {}

  /**
   * A serving certificate for these names (DNS names, or IP addresses written as such), valid for
   * {@code validity}.
   */
  public Issued issueServing(List<String> names, Duration validity, Clock clock)
      throws GeneralSecurityException {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("a serving certificate needs at least one name");
    }
    KeyPair keys = rsa();
    Instant now = clock.instant();
    List<GeneralName> alternatives = new ArrayList<>();
    for (String name : names) {
      alternatives.add(
          isIpAddress(name)
              ? new GeneralName(GeneralName.iPAddress, name)
              : new GeneralName(GeneralName.dNSName, name));
    }
    X509Certificate leaf =
        leaf(
            new X500Name("CN=" + names.get(0)),
            keys.getPublic(),
            now.minus(Duration.ofMinutes(5)),
            now.plus(validity),
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth},
            new GeneralNames(alternatives.toArray(GeneralName[]::new)),
            false);
    return new Issued(leaf, pem(leaf) + certificatePem(), keyPem(keys.getPrivate()));
  }

  /**
   * A workload's certificate, as Istio's CA issues one: no subject, the SPIFFE ID as its only
   * (critical) alternative name, usable for both ends of mutual TLS.
   *
   * @param publicKey the key from the workload's signing request, which keeps the private half
   */
  public X509Certificate issueWorkload(
      PublicKey publicKey, String spiffeId, Duration validity, Clock clock)
      throws GeneralSecurityException {
    Instant now = clock.instant();
    return leaf(
        new X500Name(""),
        publicKey,
        // Backdated a little: the peer's clock may run behind ours.
        now.minus(Duration.ofMinutes(2)),
        now.plus(validity),
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
        // Critical because the subject is empty (RFC 5280, 4.2.1.6).
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)),
        true);
  }

  /** An end-entity certificate this CA signs: for key encipherment and signatures only. */
  private X509Certificate leaf(
      X500Name subject,
      PublicKey publicKey,
      Instant notBefore,
      Instant notAfter,
      KeyPurposeId[] purposes,
      GeneralNames names,
      boolean namesCritical)
      throws GeneralSecurityException {
    try {
      X509CertificateHolder holder =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  serial(),
                  Date.from(notBefore),
                  Date.from(notAfter),
                  subject,
                  publicKey)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate))
              .addExtension(Extension.subjectAlternativeName, namesCritical, names)
              .build(signer(key));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** A certificate in PEM. */
  public static String toPem(X509Certificate certificate) {
    return pem(certificate);
  }

  public String certificatePem() {
    return pem(certificate);
  }

  public String keyPem() {
    return keyPem(key);
  }

  /**
   * Reads a CA from PEM.
   *
   * @throws IllegalArgumentException naming which of the two is wrong, and how
   */
  public static CaKeys parse(String certificatePem, String keyPem) {
    X509Certificate certificate;
    try (PEMParser parser = new PEMParser(new StringReader(certificatePem))) {
      Object object = parser.readObject();
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new IllegalArgumentException("the certificate is not a PEM certificate");
      }
      certificate = new JcaX509CertificateConverter().getCertificate(holder);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("the certificate cannot be read: " + e.getMessage(), e);
    }
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("the certificate is not a CA's (basicConstraints)");
    }
    PrivateKey key;
    try (PEMParser parser = new PEMParser(new StringReader(keyPem))) {
      Object object = parser.readObject();
      if (!(object instanceof PrivateKeyInfo info)) {
        throw new IllegalArgumentException("the key is not a PKCS#8 private key");
      }
      key = new JcaPEMKeyConverter().getPrivateKey(info);
    } catch (IOException e) {
      throw new IllegalArgumentException("the key cannot be read: " + e.getMessage(), e);
    }
    CaKeys keys = new CaKeys(certificate, key);
    keys.requireMatchingKey();
    return keys;
  }

  /** A key that is not the certificate's would sign certificates nobody can verify. */
  private void requireMatchingKey() {
    try {
      java.security.Signature signature = java.security.Signature.getInstance("SHA256withRSA");
      byte[] probe = "telmesh".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      signature.initSign(key);
      signature.update(probe);
      byte[] signed = signature.sign();
      signature.initVerify(certificate.getPublicKey());
      signature.update(probe);
      if (!signature.verify(signed)) {
        throw new IllegalArgumentException("the key does not belong to the certificate");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the key does not belong to the certificate", e);
    }
  }

  private static boolean isIpAddress(String name) {
    return com.google.common.net.InetAddresses.isInetAddress(name);
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(128, RANDOM);
  }

  private static org.bouncycastle.operator.ContentSigner signer(PrivateKey key)
      throws GeneralSecurityException {
    try {
      return new JcaContentSignerBuilder("SHA256withRSA").build(key);
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static String pem(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new IllegalStateException("writing PEM to a string cannot fail", e);
    }
    return text.toString();
  }

  private static String keyPem(PrivateKey key) {
    try {
      return pem(new JcaPKCS8Generator(key, null).generate());
    } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
      throw new IllegalStateException("an unencrypted PKCS#8 key always encodes", e);
    }
  }
}
