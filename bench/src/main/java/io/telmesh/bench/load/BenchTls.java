package io.telmesh.bench.load;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.telmesh.auth.OperatorPolicy;
import io.telmesh.auth.SpiffeAuthenticator;
import io.telmesh.server.SecureServing;
import io.telmesh.testing.TestCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The load harness's TLS mode ({@code TELMESH_BENCH_TLS=1}): the servers serve over TLS and every
 * simulated sidecar presents a client certificate, as istio-agent does on 15012. telmesh serves its
 * secure port and authenticates each stream by the certificate's SPIFFE ID; that ID is an operator,
 * so it may speak for every simulated pod. The ceiling serves the same TLS without authenticating
 * anyone.
 */
record BenchTls(Path dir) {

  /** Where the harness tells the server processes the certificates are. */
  static final String DIR_VARIABLE = "TELMESH_BENCH_TLS_DIR";

  private static final String TRUST_DOMAIN = "cluster.local";
  private static final String CLIENT_ID = "spiffe://" + TRUST_DOMAIN + "/ns/bench/sa/sidecars";

  private static final String CA = "ca.crt";
  private static final String SERVING_CERT = "tls.crt";
  private static final String SERVING_KEY = "tls.key";
  private static final String CLIENT_CERT = "client.crt";
  private static final String CLIENT_KEY = "client.key";

  /** A CA, a serving certificate for 127.0.0.1 and localhost, and the sidecars' certificate. */
  static BenchTls create() throws IOException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("telmesh-bench-tls");
    // Deleted in the reverse order of registration: the files, then the directory.
    dir.toFile().deleteOnExit();
    for (String file : List.of(CA, SERVING_CERT, SERVING_KEY, CLIENT_CERT, CLIENT_KEY)) {
      dir.resolve(file).toFile().deleteOnExit();
    }
    TestCertificates certificates = new TestCertificates("telmesh bench CA");
    certificates.writeCa(dir.resolve(CA));
    certificates.writeServing(dir.resolve(SERVING_CERT), dir.resolve(SERVING_KEY));
    certificates.writeClient(dir.resolve(CLIENT_CERT), dir.resolve(CLIENT_KEY), CLIENT_ID);
    return new BenchTls(dir);
  }

  /** In a server process: the harness's certificates, when it runs in TLS mode. */
  static Optional<BenchTls> fromEnvironment() {
    return Optional.ofNullable(System.getenv(DIR_VARIABLE)).map(Path::of).map(BenchTls::new);
  }

  ChannelCredentials client() throws IOException {
    return TlsChannelCredentials.newBuilder()
        .trustManager(dir.resolve(CA).toFile())
        .keyManager(dir.resolve(CLIENT_CERT).toFile(), dir.resolve(CLIENT_KEY).toFile())
        .build();
  }

  ServerCredentials ceiling() throws IOException {
    return TlsServerCredentials.create(
        dir.resolve(SERVING_CERT).toFile(), dir.resolve(SERVING_KEY).toFile());
  }

  SecureServing telmesh() {
    return new SecureServing(
            0,
            dir.resolve(SERVING_CERT),
            dir.resolve(SERVING_KEY),
            Duration.ofMinutes(10),
            SecureServing.LOOPBACK)
        .withClientAuth(
            Optional.of(dir.resolve(CA)),
            List.of(new SpiffeAuthenticator(TRUST_DOMAIN)),
            new OperatorPolicy(Set.of(), Set.of(), Set.of(CLIENT_ID)));
  }
}
