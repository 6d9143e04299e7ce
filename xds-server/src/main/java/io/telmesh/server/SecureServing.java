package io.telmesh.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * xDS over TLS (Istio's 15012): the serving certificate and key from files, read again every {@code
 * reload} so that a rotated certificate (cert-manager, a mounted Secret) is used for new
 * connections without dropping open streams.
 *
 * @param port 0 picks a free port
 * @param plaintextBind where the plaintext xDS port listens while this one is on: loopback unless
 *     an operator says otherwise, since it carries every proxy's config unauthenticated
 */
public record SecureServing(
    int port, Path certFile, Path keyFile, Duration reload, String plaintextBind) {

  public static final Duration DEFAULT_RELOAD = Duration.ofSeconds(10);

  public static final String LOOPBACK = "127.0.0.1";

  public SecureServing {
    if (reload.isNegative() || reload.isZero()) {
      throw new IllegalArgumentException("reload period must be positive: " + reload);
    }
  }
}
