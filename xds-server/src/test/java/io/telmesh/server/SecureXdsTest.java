package io.telmesh.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.source.BundledDemo;
import io.telmesh.source.StaticSource;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.TestCertificates;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xDS over TLS: a grpc-java client trusting the CA gets config; one trusting another CA is refused;
 * the plaintext port listens on loopback only; a certificate rotated on disk is served to new
 * connections while an open stream stays.
 */
class SecureXdsTest {

  @TempDir Path dir;
  private TestCertificates certificates;
  private Path cert;
  private Path key;
  private Path ca;
  private X509Certificate first;
  private TelmeshServer server;

  @BeforeEach
  void start() throws Exception {
    certificates = new TestCertificates("telmesh test CA");
    cert = dir.resolve("tls.crt");
    key = dir.resolve("tls.key");
    ca = dir.resolve("ca.crt");
    certificates.writeCa(ca);
    first = certificates.writeServing(cert, key);
    ServerOptions options =
        ServerOptions.defaults()
            .withPorts(0, 0)
            .withSecure(
                new SecureServing(0, cert, key, Duration.ofMillis(200), SecureServing.LOOPBACK));
    server = new TelmeshServer(options, new StaticSource(BundledDemo.read(), "the demo")).start();
    assertThat(server.pipeline().awaitReady(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private ManagedChannel tls(Path trusted) throws Exception {
    return NettyChannelBuilder.forAddress(
            "localhost",
            server.secureXdsPort().orElseThrow(),
            TlsChannelCredentials.newBuilder().trustManager(trusted.toFile()).build())
        .build();
  }

  @Test
  void aClientTrustingTheCaGetsConfigOverTls() throws Exception {
    try (AdsClient client = new AdsClient(tls(ca));
        AdsClient.Sotw ads = client.sotw()) {
      ads.request(
          Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of()), TypeUrls.CLUSTER, List.of());
      DiscoveryResponse clusters = ads.next(Duration.ofSeconds(10));
      assertThat(clusters).isNotNull();
      assertThat(clusters.getResourcesCount()).isGreaterThan(3);
    }
  }

  @Test
  void aClientTrustingAnotherCaIsRefused() throws Exception {
    Path otherCa = dir.resolve("other-ca.crt");
    new TestCertificates("someone else").writeCa(otherCa);
    ManagedChannel channel = tls(otherCa);
    try {
      assertThatThrownBy(
              () ->
                  HealthGrpc.newBlockingStub(channel)
                      .withDeadlineAfter(10, TimeUnit.SECONDS)
                      .check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAVAILABLE");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void thePlaintextPortListensOnLoopbackOnly() {
    assertThat(server.plaintextListenAddresses())
        .isNotEmpty()
        .allSatisfy(
            address ->
                assertThat(((InetSocketAddress) address).getAddress().isLoopbackAddress())
                    .isTrue());
  }

  @Test
  void aRotatedCertificateServesNewConnectionsWhileAnOpenStreamStays() throws Exception {
    try (AdsClient client = new AdsClient(tls(ca));
        AdsClient.Sotw ads = client.sotw()) {
      ads.request(
          Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of()), TypeUrls.CLUSTER, List.of());
      assertThat(ads.next(Duration.ofSeconds(10))).isNotNull();
      assertThat(servedSerial()).isEqualTo(first.getSerialNumber());

      X509Certificate second = certificates.writeServing(cert, key);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      BigInteger served = servedSerial();
      while (!served.equals(second.getSerialNumber()) && System.nanoTime() < deadline) {
        Thread.sleep(100);
        served = servedSerial();
      }
      assertThat(served)
          .as("new connections get the rotated certificate")
          .isEqualTo(second.getSerialNumber());

      // The stream opened before the rotation still answers.
      ads.request(
          Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of()), TypeUrls.LISTENER, List.of());
      DiscoveryResponse listeners = ads.next(TypeUrls.LISTENER, Duration.ofSeconds(10));
      assertThat(listeners).as("the old stream still answers").isNotNull();
    }
  }

  /** The serial number of the certificate a fresh TLS handshake gets. */
  private BigInteger servedSerial() throws Exception {
    TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
    java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (var in = java.nio.file.Files.newInputStream(ca)) {
      store.setCertificateEntry(
          "ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    try (SSLSocket socket =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket("127.0.0.1", server.secureXdsPort().orElseThrow())) {
      javax.net.ssl.SSLParameters params = socket.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(params);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
