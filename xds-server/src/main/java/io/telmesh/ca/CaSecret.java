package io.telmesh.ca;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.telmesh.model.NamespacedName;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA kept in a Kubernetes Secret: read when it exists, else made and stored. Replicas that
 * start together race to create it; the API server lets one win (409 for the others), and the
 * losers read the winner's, so every replica and every restart serves under one root.
 */
public final class CaSecret {

  private static final Logger LOG = LoggerFactory.getLogger(CaSecret.class);

  public static final String CERT_KEY = "ca.crt";
  public static final String KEY_KEY = "ca.key";
  private static final int CONFLICT = 409;

  private CaSecret() {}

  /**
   * The CA of the Secret, made with {@code generate} if there is none.
   *
   * @throws CaException naming the Secret and the field when it exists and cannot be used, or when
   *     the API refuses (RBAC: get and create on secrets in its namespace)
   */
  public static CaKeys loadOrCreate(
      KubernetesClient client, NamespacedName secret, Callable<CaKeys> generate)
      throws CaException {
    try {
      Secret existing = get(client, secret);
      if (existing != null) {
        return read(secret, existing);
      }
      CaKeys made = generate.call();
      try {
        client
            .secrets()
            .inNamespace(secret.namespace())
            .resource(
                new SecretBuilder()
                    .withNewMetadata()
                    .withName(secret.name())
                    .withNamespace(secret.namespace())
                    .addToLabels("app.kubernetes.io/managed-by", "telmesh")
                    .endMetadata()
                    .withType("Opaque")
                    .addToData(CERT_KEY, base64(made.certificatePem()))
                    .addToData(KEY_KEY, base64(made.keyPem()))
                    .build())
            .create();
        LOG.info(
            "made a new CA (serial {}) and stored it in Secret {}",
            made.certificate().getSerialNumber().toString(16),
            secret);
        return made;
      } catch (KubernetesClientException e) {
        if (e.getCode() != CONFLICT) {
          throw e;
        }
        // Another replica stored its CA first: use that one.
        Secret winner = get(client, secret);
        if (winner == null) {
          throw new CaException("Secret " + secret + " was created and then deleted; try again");
        }
        return read(secret, winner);
      }
    } catch (KubernetesClientException e) {
      throw new CaException(
          "cannot read or create the CA Secret "
              + secret
              + " (HTTP "
              + e.getCode()
              + "): "
              + e.getMessage()
              + " (telmesh needs get and create on secrets in namespace "
              + secret.namespace()
              + ")",
          e);
    } catch (CaException e) {
      throw e;
    } catch (Exception e) {
      throw new CaException("cannot make a CA: " + e.getMessage(), e);
    }
  }

  private static Secret get(KubernetesClient client, NamespacedName secret) {
    return client.secrets().inNamespace(secret.namespace()).withName(secret.name()).get();
  }

  private static CaKeys read(NamespacedName name, Secret secret) throws CaException {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    String certificate = decode(name, data, CERT_KEY);
    String key = decode(name, data, KEY_KEY);
    try {
      CaKeys keys = CaKeys.parse(certificate, key);
      LOG.info(
          "using the CA of Secret {} (serial {}, valid until {})",
          name,
          keys.certificate().getSerialNumber().toString(16),
          keys.certificate().getNotAfter().toInstant());
      return keys;
    } catch (IllegalArgumentException e) {
      throw new CaException(
          "Secret " + name + " data[" + CERT_KEY + "]/data[" + KEY_KEY + "]: " + e.getMessage());
    }
  }

  private static String decode(NamespacedName name, Map<String, String> data, String field)
      throws CaException {
    String value = data.get(field);
    if (value == null || value.isEmpty()) {
      throw new CaException("Secret " + name + " has no data[" + field + "]");
    }
    try {
      return new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw new CaException("Secret " + name + " data[" + field + "] is not base64");
    }
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }

  /** Why the CA cannot be had; the server does not start without it. */
  public static final class CaException extends Exception {
    private static final long serialVersionUID = 1L;

    public CaException(String message) {
      super(message);
    }

    public CaException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** For callers that generate with the defaults. */
  public static Callable<CaKeys> generator(String commonName, java.time.Duration validity) {
    return () -> {
      try {
        return CaKeys.generate(commonName, validity, java.time.Clock.systemUTC());
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    };
  }
}
