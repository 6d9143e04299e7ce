package io.telmesh.ca;

import io.telmesh.auth.Identity.ServiceAccountName;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Signs workload certificates the way Istio's CA does for istio-agent: the identity is the
 * authenticated caller's service account, never what the request asks for; only the request's
 * public key is taken, once its signature proves the caller holds the private half.
 *
 * @param trustDomain the SPIFFE trust domain identities are issued in
 * @param defaultTtl what a request without a validity gets (Istio's {@code
 *     DEFAULT_WORKLOAD_CERT_TTL})
 * @param maxTtl the longest validity granted; a longer request is refused (Istio's {@code
 *     MAX_WORKLOAD_CERT_TTL})
 */
public record WorkloadCertificates(
    CaKeys ca, String trustDomain, Duration defaultTtl, Duration maxTtl, Clock clock) {

  public static final Duration DEFAULT_TTL = Duration.ofHours(24);
  public static final Duration MAX_TTL = Duration.ofDays(90);

  /** A CA with Istio's validity defaults. */
  public static WorkloadCertificates of(CaKeys ca, String trustDomain) {
    return new WorkloadCertificates(ca, trustDomain, DEFAULT_TTL, MAX_TTL, Clock.systemUTC());
  }

  /** A request that cannot be signed, naming the request field at fault. */
  public static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;

    RefusedException(String field, String reason) {
      super(field + ": " + reason);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  /** What was issued: the chain as Istio's API returns it (leaf, then root) and its identity. */
  public record Issued(String spiffeId, Instant notAfter, List<String> chainPem) {}

  /**
   * Signs a PEM PKCS#10 request for a service account.
   *
   * @param validitySeconds the requested validity; 0 asks for the default
   */
  public Issued sign(String csrPem, long validitySeconds, ServiceAccountName account)
      throws RefusedException {
    Duration ttl = ttl(validitySeconds);
    PublicKey key = publicKey(csrPem);
    String spiffeId =
        "spiffe://" + trustDomain + "/ns/" + account.namespace() + "/sa/" + account.name();
    try {
      X509Certificate leaf = ca.issueWorkload(key, spiffeId, ttl, clock);
      return new Issued(
          spiffeId,
          leaf.getNotAfter().toInstant(),
          List.of(CaKeys.toPem(leaf), ca.certificatePem()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing with the CA's own key failed", e);
    }
  }

  private Duration ttl(long seconds) throws RefusedException {
    if (seconds < 0) {
      throw new RefusedException("validity_duration", "must not be negative, got " + seconds);
    }
    if (seconds == 0) {
      return defaultTtl;
    }
    if (seconds > maxTtl.toSeconds()) {
      throw new RefusedException(
          "validity_duration",
          "requested TTL "
              + Duration.ofSeconds(seconds)
              + " is greater than the max allowed TTL "
              + maxTtl);
    }
    return Duration.ofSeconds(seconds);
  }

  /** The request's key, once its self-signature verifies; RSA of 2048 bits or more, P-256/384. */
  private static PublicKey publicKey(String csrPem) throws RefusedException {
    JcaPKCS10CertificationRequest request;
    try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
      Object object = parser.readObject();
      if (!(object instanceof org.bouncycastle.pkcs.PKCS10CertificationRequest parsed)) {
        throw new RefusedException("csr", "is not a PEM certificate signing request");
      }
      request = new JcaPKCS10CertificationRequest(parsed);
    } catch (IOException | IllegalArgumentException | ClassCastException e) {
      throw new RefusedException("csr", "cannot be read: " + e.getMessage());
    }
    PublicKey key;
    try {
      key = request.getPublicKey();
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new RefusedException("csr", "its signature does not verify with its own key");
      }
    } catch (GeneralSecurityException | OperatorCreationException | PKCSException e) {
      throw new RefusedException(
          "csr", "its key or signature cannot be checked: " + e.getMessage());
    }
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < 2048) {
        throw new RefusedException(
            "csr", "an RSA key of " + rsa.getModulus().bitLength() + " bits is too weak (2048+)");
      }
    } else if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      if (bits != 256 && bits != 384) {
        throw new RefusedException(
            "csr", "an EC key must be P-256 or P-384, got " + bits + " bits");
      }
    } else {
      throw new RefusedException("csr", "a " + key.getAlgorithm() + " key is not RSA or EC");
    }
    return key;
  }
}
