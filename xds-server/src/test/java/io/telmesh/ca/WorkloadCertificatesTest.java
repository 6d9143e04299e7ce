package io.telmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.auth.Identity.ServiceAccountName;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/**
 * Signing istio-agent's requests: the caller's service account is the identity whatever the request
 * asks for, Istio's validity rules hold, and a request that proves nothing (bad signature, weak or
 * odd key, not a request at all) is refused naming the field.
 */
class WorkloadCertificatesTest {

  private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  private static final ServiceAccountName AMF = new ServiceAccountName("telco", "amf");

  private final CaKeys ca = caKeys();
  private final WorkloadCertificates certificates =
      new WorkloadCertificates(
          ca,
          "telco.example",
          WorkloadCertificates.DEFAULT_TTL,
          WorkloadCertificates.MAX_TTL,
          Clock.fixed(NOW, ZoneOffset.UTC));

  private static CaKeys caKeys() {
    try {
      return CaKeys.generate("test CA", Duration.ofDays(30), Clock.systemUTC());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keys(String algorithm, int bits) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
    generator.initialize(bits);
    return generator.generateKeyPair();
  }

  private static PKCS10CertificationRequest request(KeyPair keys, String signature)
      throws Exception {
    // The request asks for someone else's identity; it must not matter.
    return new JcaPKCS10CertificationRequestBuilder(
            new X500Name("CN=spiffe://telco.example/ns/kube-system/sa/admin"), keys.getPublic())
        .build(new JcaContentSignerBuilder(signature).build(keys.getPrivate()));
  }

  private static String pem(Object object) throws Exception {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    }
    return text.toString();
  }

  private static X509Certificate leaf(WorkloadCertificates.Issued issued) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(
                new java.io.ByteArrayInputStream(issued.chainPem().get(0).getBytes()));
  }

  @Test
  void theCallersServiceAccountIsTheIdentityAndTheRequestsKeyIsCertified() throws Exception {
    KeyPair keys = keys("RSA", 2048);
    WorkloadCertificates.Issued issued =
        certificates.sign(pem(request(keys, "SHA256withRSA")), 0, AMF);
    X509Certificate leaf = leaf(issued);
    leaf.verify(ca.certificate().getPublicKey());
    assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(issued.spiffeId()).isEqualTo("spiffe://telco.example/ns/telco/sa/amf");
    assertThat(leaf.getSubjectAlternativeNames())
        .extracting(n -> n.get(0) + " " + n.get(1))
        .containsExactly("6 spiffe://telco.example/ns/telco/sa/amf");
    assertThat(leaf.getCriticalExtensionOIDs()).contains("2.5.29.17");
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(issued.chainPem().get(1)).isEqualTo(ca.certificatePem());

    WorkloadCertificates.Issued hour =
        certificates.sign(
            pem(request(keys("EC", 384), "SHA384withECDSA")), Duration.ofHours(1).toSeconds(), AMF);
    assertThat(hour.notAfter()).isEqualTo(NOW.plus(Duration.ofHours(1)));
  }

  @Test
  void requestsThatProveNothingOrAskTooMuchAreRefusedNamingTheField() throws Exception {
    String good = pem(request(keys("EC", 256), "SHA256withECDSA"));
    assertThatThrownBy(() -> certificates.sign(good, Duration.ofDays(91).toSeconds(), AMF))
        .hasMessageStartingWith("validity_duration: requested TTL PT2184H is greater than");
    assertThatThrownBy(() -> certificates.sign(good, -1, AMF))
        .hasMessageStartingWith("validity_duration: must not be negative");
    assertThatThrownBy(() -> certificates.sign("hello", 0, AMF))
        .hasMessageStartingWith("csr: is not a PEM certificate signing request");
    assertThatThrownBy(
            () ->
                certificates.sign(
                    "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                    0,
                    AMF))
        .hasMessageStartingWith("csr: ");
    assertThatThrownBy(
            () -> certificates.sign(pem(request(keys("RSA", 1024), "SHA256withRSA")), 0, AMF))
        .hasMessageContaining("csr: an RSA key of 1024 bits is too weak");
    assertThatThrownBy(
            () -> certificates.sign(pem(request(keys("DSA", 2048), "SHA256withDSA")), 0, AMF))
        .hasMessageContaining("csr: a DSA key is not RSA or EC");

    // One flipped bit in the signature: the caller does not hold the key it sent.
    byte[] der = request(keys("EC", 256), "SHA256withECDSA").getEncoded();
    der[der.length - 5] ^= 0x01;
    String tampered =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
            + "\n-----END CERTIFICATE REQUEST-----\n";
    assertThatThrownBy(() -> certificates.sign(tampered, 0, AMF))
        .isInstanceOf(WorkloadCertificates.RefusedException.class)
        .hasMessageStartingWith("csr: ");
  }
}
