package io.telmesh.server;

import io.telmesh.auth.Authenticator;
import io.telmesh.auth.OperatorPolicy;
import io.telmesh.ca.WorkloadCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * xDS over TLS (Istio's 15012): the serving certificate and key from files, read again every {@code
 * reload} so that a rotated certificate (cert-manager, a mounted Secret) is used for new
 * connections without dropping open streams.
 *
 * @param port 0 picks a free port
 * @param plaintextBind where the plaintext xDS port listens while this one is on: loopback unless
 *     an operator says otherwise, since it carries every proxy's config unauthenticated
 * @param clientTrustBundle CA certificates client certificates must chain to; when set, the port
 *     asks for a client certificate (and still accepts callers without one, for tokens)
 * @param authenticators how callers prove who they are, tried in order; none means the port
 *     authenticates no one (TLS for privacy only), which must be asked for explicitly
 * @param operators who may read debug types and CSDS, and any proxy's config
 * @param workloadCa the CA that signs istio-agent's workload certificates on this port (Istio's
 *     {@code IstioCertificateService}); empty when telmesh holds no CA key
 */
public record SecureServing(
    int port,
    Path certFile,
    Path keyFile,
    Duration reload,
    String plaintextBind,
    Optional<Path> clientTrustBundle,
    List<Authenticator> authenticators,
    OperatorPolicy operators,
    Optional<WorkloadCertificates> workloadCa) {

  /** TLS without client authentication: everyone who completes a handshake is served. */
  public SecureServing(
      int port, Path certFile, Path keyFile, Duration reload, String plaintextBind) {
    this(
        port,
        certFile,
        keyFile,
        reload,
        plaintextBind,
        Optional.empty(),
        List.of(),
        OperatorPolicy.NOBODY,
        Optional.empty());
  }

  public SecureServing withClientAuth(
      Optional<Path> trustBundle, List<Authenticator> authenticators, OperatorPolicy operators) {
    return new SecureServing(
        port,
        certFile,
        keyFile,
        reload,
        plaintextBind,
        trustBundle,
        authenticators,
        operators,
        workloadCa);
  }

  /** This port, signing workload certificates with the CA too. */
  public SecureServing withWorkloadCa(WorkloadCertificates ca) {
    return new SecureServing(
        port,
        certFile,
        keyFile,
        reload,
        plaintextBind,
        clientTrustBundle,
        authenticators,
        operators,
        Optional.of(ca));
  }

  public static final Duration DEFAULT_RELOAD = Duration.ofSeconds(10);

  public static final String LOOPBACK = "127.0.0.1";

  public SecureServing {
    if (reload.isNegative() || reload.isZero()) {
      throw new IllegalArgumentException("reload period must be positive: " + reload);
    }
    authenticators = List.copyOf(authenticators);
  }
}
