package io.telmesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.telmesh.ca.CaKeys;
import io.telmesh.ca.IstioCertificateService;
import io.telmesh.ca.WorkloadCertificates;
import io.telmesh.proto.istio.auth.IstioCertificateRequest;
import io.telmesh.proto.istio.auth.IstioCertificateResponse;
import io.telmesh.server.SecureServing;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.source.BundledDemo;
import io.telmesh.source.StaticSource;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.TestCertificates;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secure port's gate, on the demo mesh (namespace telco, pods running as {@code default}):
 * tokens reviewed by a mock API server's TokenReview endpoint, SPIFFE client certificates chained
 * to a test CA. A proxy gets config only for a pod of its own namespace and service account;
 * everything else is refused with a status saying why, and the proxies already served keep their
 * streams. Debug types and CSDS are the operators'. (The same, against a real API server with real
 * service-account tokens: e2e's {@code SecureXdsKubernetesTest}.)
 */
class SecureClientAuthTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Node HSS = Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of());
  private static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  private static final Node ISTIOCTL =
      Nodes.envoyNode("istioctl-1", "telmesh-system", "10.0.0.1", Map.of("GENERATOR", "event"));

  @TempDir Path dir;
  private final FakeTokenReviews reviews =
      new FakeTokenReviews()
          .token("telco-default", "system:serviceaccount:telco:default", null)
          .token("telco-amf", "system:serviceaccount:telco:amf", null)
          .token("oam-default", "system:serviceaccount:oam:default", null)
          .token("bound-to-amf", "system:serviceaccount:telco:default", "amf-0")
          .token("operator", "system:serviceaccount:telmesh-system:telmesh", null)
          .token("a-person", "alice", null);
  private KubernetesMockServer api;
  private KubernetesClient kube;
  private TestCertificates certificates;
  private Path ca;
  private TelmeshServer server;
  private CaKeys workloadCa;

  @BeforeEach
  void start() throws Exception {
    api =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), reviews, false);
    api.init(InetAddress.getLoopbackAddress(), 0);
    kube = api.createClient();
    certificates = new TestCertificates("telmesh test CA");
    ca = dir.resolve("ca.crt");
    certificates.writeCa(ca);
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    certificates.writeServing(cert, key);
    SecureServing serving =
        new SecureServing(0, cert, key, Duration.ofSeconds(10), SecureServing.LOOPBACK)
            .withClientAuth(
                Optional.of(ca),
                List.of(
                    new TokenReviewAuthenticator(
                        kube.authentication().v1().tokenReviews(),
                        List.of(TokenReviewAuthenticator.ISTIO_AUDIENCE),
                        Clock.systemUTC(),
                        Duration.ofSeconds(30)),
                    new SpiffeAuthenticator("cluster.local")),
                new OperatorPolicy(Set.of("telmesh-system"), Set.of(), Set.of()));
    workloadCa = CaKeys.generate("workload CA", Duration.ofDays(1), Clock.systemUTC());
    serving = serving.withWorkloadCa(WorkloadCertificates.of(workloadCa, "cluster.local"));
    server =
        new TelmeshServer(
                ServerOptions.defaults().withPorts(0, 0).withSecure(serving),
                new StaticSource(BundledDemo.read(), "the demo"))
            .start();
    assertThat(server.pipeline().awaitReady(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    server.close();
    kube.close();
    api.destroy();
  }

  private ManagedChannel channel(ChannelCredentials credentials) {
    return NettyChannelBuilder.forAddress(
            "localhost", server.secureXdsPort().orElseThrow(), credentials)
        .build();
  }

  private ChannelCredentials tls() throws Exception {
    return TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
  }

  private ChannelCredentials token(String token) throws Exception {
    return CompositeChannelCredentials.create(tls(), new BearerTokenCredentials(token));
  }

  private ChannelCredentials certificate(TestCertificates issuer, String spiffeId)
      throws Exception {
    Path cert = dir.resolve("client-" + Integer.toHexString(spiffeId.hashCode()) + ".crt");
    Path key = dir.resolve("client-" + Integer.toHexString(spiffeId.hashCode()) + ".key");
    issuer.writeClient(cert, key, spiffeId);
    return TlsChannelCredentials.newBuilder()
        .trustManager(ca.toFile())
        .keyManager(cert.toFile(), key.toFile())
        .build();
  }

  /** The stream's first answer for clusters, or the status it was ended with. */
  private static Object clustersOrStatus(AdsClient client, Node node) throws Exception {
    try (AdsClient.Sotw ads = client.sotw()) {
      ads.request(node, TypeUrls.CLUSTER, List.of());
      return answerOrStatus(ads);
    }
  }

  /** The next answer on the stream, or the status it ended with instead. */
  private static Object answerOrStatus(AdsClient.Sotw ads) throws Exception {
    return ads.nextOrEnd(WAIT);
  }

  private static Status refusal(AdsClient client, Node node) throws Exception {
    Object outcome = clustersOrStatus(client, node);
    assertThat(outcome).isInstanceOf(Status.class);
    return (Status) outcome;
  }

  /** Istio's CreateCertificate, as istio-agent calls it, with a fresh P-256 key's request. */
  private IstioCertificateResponse createCertificate(
      ChannelCredentials credentials, String csr, long validitySeconds) {
    ManagedChannel channel = channel(credentials);
    try {
      return ClientCalls.blockingUnaryCall(
          channel,
          IstioCertificateService.CREATE_CERTIFICATE,
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          IstioCertificateRequest.newBuilder()
              .setCsr(csr)
              .setValidityDuration(validitySeconds)
              .build());
    } finally {
      channel.shutdownNow();
    }
  }

  private static String csr() throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
    generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
    java.security.KeyPair keys = generator.generateKeyPair();
    var request =
        new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("O=istio"), keys.getPublic())
            .build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                    .build(keys.getPrivate()));
    java.io.StringWriter pem = new java.io.StringWriter();
    try (var writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(pem)) {
      writer.writeObject(request);
    }
    return pem.toString();
  }

  @Test
  void aSidecarsTokenGetsAWorkloadCertificateOfItsServiceAccount() throws Exception {
    IstioCertificateResponse response =
        createCertificate(token("telco-default"), csr(), Duration.ofHours(2).toSeconds());
    assertThat(response.getCertChainList()).hasSize(2);
    var factory = java.security.cert.CertificateFactory.getInstance("X.509");
    var leaf =
        (java.security.cert.X509Certificate)
            factory.generateCertificate(
                new java.io.ByteArrayInputStream(
                    response.getCertChain(0).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    leaf.verify(workloadCa.certificate().getPublicKey());
    assertThat(response.getCertChain(1)).isEqualTo(workloadCa.certificatePem());
    assertThat(leaf.getSubjectAlternativeNames())
        .extracting(n -> n.get(0) + " " + n.get(1))
        .containsExactly("6 spiffe://cluster.local/ns/telco/sa/default");
    assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(Duration.between(java.time.Instant.now(), leaf.getNotAfter().toInstant()))
        .isBetween(Duration.ofMinutes(110), Duration.ofHours(2));
  }

  @Test
  void workloadCertificatesAreRefusedToOthersAndForBadRequests() throws Exception {
    String csr = csr();
    assertThatThrownBy(() -> createCertificate(tls(), csr, 0))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> createCertificate(token("a-person"), csr, 0))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("service accounts only");
            });
    assertThatThrownBy(() -> createCertificate(token("telco-default"), "not a request", 0))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith("csr: ");
            });
    assertThatThrownBy(
            () -> createCertificate(token("telco-default"), csr, Duration.ofDays(91).toSeconds()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .startsWith("validity_duration: requested TTL"));
    // The plaintext port, which authenticates no one, does not sign.
    ManagedChannel plaintext =
        NettyChannelBuilder.forAddress("localhost", server.xdsPort()).usePlaintext().build();
    try {
      assertThatThrownBy(
              () ->
                  ClientCalls.blockingUnaryCall(
                      plaintext,
                      IstioCertificateService.CREATE_CERTIFICATE,
                      CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                      IstioCertificateRequest.newBuilder().setCsr(csr).build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    } finally {
      plaintext.shutdownNow();
    }
  }

  @Test
  void aSidecarWithItsOwnServiceAccountsTokenGetsItsConfig() throws Exception {
    try (AdsClient client = new AdsClient(channel(token("telco-default")))) {
      Object outcome = clustersOrStatus(client, HSS);
      assertThat(outcome).isInstanceOf(DiscoveryResponse.class);
      assertThat(((DiscoveryResponse) outcome).getResourcesCount()).isGreaterThan(3);
    }
    assertThat(reviews.asked)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.getSpec().getAudiences()).containsExactly("istio-ca"));
  }

  @Test
  void anotherNamespacesTokenIsDeniedAndTheServedProxyKeepsItsStream() throws Exception {
    try (AdsClient good = new AdsClient(channel(token("telco-default")));
        AdsClient.Sotw served = good.sotw();
        AdsClient other = new AdsClient(channel(token("oam-default")))) {
      served.request(HSS, TypeUrls.CLUSTER, List.of());
      DiscoveryResponse clusters = served.next(WAIT);
      assertThat(clusters).isNotNull();
      served.ack(clusters, List.of());

      Status denied = refusal(other, HSS);
      assertThat(denied.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.getDescription())
          .contains("service account oam/default may not read config of namespace telco");

      assertThat(served.closed()).isNotDone();
      served.request(HSS, TypeUrls.LISTENER, List.of());
      assertThat(served.next(TypeUrls.LISTENER, WAIT)).isNotNull();
    }
    assertThat(metrics()).contains("telmesh_xds_refused_total{code=\"PERMISSION_DENIED\"} 1.0");
  }

  private String metrics() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    return http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.monitoringPort() + "/metrics"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void deltaStreamsAreCheckedAlike() throws Exception {
    try (AdsClient own = new AdsClient(channel(token("telco-default")));
        AdsClient.Delta served = own.delta();
        AdsClient other = new AdsClient(channel(token("oam-default")));
        AdsClient.Delta refused = other.delta()) {
      served.subscribe(HSS, TypeUrls.CLUSTER, List.of());
      assertThat(served.next(WAIT).getResourcesCount()).isGreaterThan(3);
      refused.subscribe(HSS, TypeUrls.CLUSTER, List.of());
      Status status = refused.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(served.closed()).isNotDone();
    }
  }

  @Test
  void noTokenOrARefusedOneIsUnauthenticated() throws Exception {
    try (AdsClient none = new AdsClient(channel(tls()));
        AdsClient expired = new AdsClient(channel(token("expired-or-forged")));
        AdsClient basic =
            new AdsClient(channel(CompositeChannelCredentials.create(tls(), new Basic())))) {
      Status noCredentials = refusal(none, HSS);
      assertThat(noCredentials.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(noCredentials.getDescription()).contains("no credentials");

      Status refused = refusal(expired, HSS);
      assertThat(refused.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(refused.getDescription())
          .contains("refused by the Kubernetes API", "token has expired");

      Status notBearer = refusal(basic, HSS);
      assertThat(notBearer.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(notBearer.getDescription()).contains("not \"Bearer <token>\"");
    }
    assertThat(metrics()).contains("telmesh_xds_refused_total{code=\"UNAUTHENTICATED\"} 3.0");
  }

  @Test
  void aPodsNodeIdClaimedUnderAnotherServiceAccountOrPodIsDenied() throws Exception {
    try (AdsClient amfAccount = new AdsClient(channel(token("telco-amf")));
        AdsClient boundToAmf = new AdsClient(channel(token("bound-to-amf")))) {
      assertThat(refusal(amfAccount, HSS).getDescription())
          .contains("pod telco/hss-0 runs as service account default, not amf");
      assertThat(refusal(boundToAmf, HSS).getDescription())
          .contains("the token is bound to pod amf-0, not hss-0");
      assertThat(clustersOrStatus(boundToAmf, AMF)).isInstanceOf(DiscoveryResponse.class);
      Node ghost = Nodes.envoyNode("ghost-0", "telco", "10.244.9.9", Map.of());
      assertThat(refusal(amfAccount, ghost).getDescription())
          .contains("pod telco/ghost-0 of the node id is not known");
    }
  }

  @Test
  void reviewsAreRememberedSoAReconnectCostsNone() throws Exception {
    try (AdsClient client = new AdsClient(channel(token("telco-default")))) {
      for (int i = 0; i < 3; i++) {
        assertThat(clustersOrStatus(client, HSS)).isInstanceOf(DiscoveryResponse.class);
      }
    }
    assertThat(reviews.asked).hasSize(1);
  }

  @Test
  void debugTypesAndCsdsAreForOperatorsOnly() throws Exception {
    try (AdsClient workload = new AdsClient(channel(token("telco-default")));
        AdsClient operator = new AdsClient(channel(token("operator")))) {
      Status denied = syncz(workload);
      assertThat(denied.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(denied.getDescription())
          .contains("is for operators", "service accounts of namespace telmesh-system");
      assertThat(syncz(operator)).isEqualTo(Status.OK);

      assertThatThrownBy(() -> csds(workload.channel()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("PERMISSION_DENIED: CSDS is for operators");
      assertThat(csds(operator.channel()).getConfigCount()).isGreaterThanOrEqualTo(0);
      // An operator may follow any proxy's config, as the debug types would show it anyway.
      assertThat(clustersOrStatus(operator, HSS)).isInstanceOf(DiscoveryResponse.class);
    }
  }

  @Test
  void proxyStatusReadsTheSecurePortWithAnOperatorsToken() throws Exception {
    Path operator = dir.resolve("operator.token");
    java.nio.file.Files.writeString(operator, "operator\n");
    Path workload = dir.resolve("workload.token");
    java.nio.file.Files.writeString(workload, "telco-default");
    String address = "localhost:" + server.secureXdsPort().orElseThrow();
    try (AdsClient hss = new AdsClient(channel(token("telco-default")))) {
      assertThat(clustersOrStatus(hss, HSS)).isInstanceOf(DiscoveryResponse.class);
    }

    io.telmesh.cli.CliRun allowed =
        io.telmesh.cli.CliRun.of(
            "proxy-status",
            "--xds-address",
            address,
            "--xds-root-cert",
            ca.toString(),
            "--xds-token",
            operator.toString());
    assertThat(allowed.exitCode()).as(allowed.err()).isZero();
    assertThat(allowed.out()).contains("NAME");

    io.telmesh.cli.CliRun denied =
        io.telmesh.cli.CliRun.of(
            "proxy-status",
            "--xds-address",
            address,
            "--xds-root-cert",
            ca.toString(),
            "--xds-token",
            workload.toString());
    assertThat(denied.exitCode()).isEqualTo(1);
    assertThat(denied.err()).contains("PERMISSION_DENIED", "is for operators");

    io.telmesh.cli.CliRun plaintextToTls =
        io.telmesh.cli.CliRun.of("proxy-status", "--xds-address", address, "--timeout", "5");
    assertThat(plaintextToTls.exitCode()).isEqualTo(1);

    io.telmesh.cli.CliRun tokenWithoutTls =
        io.telmesh.cli.CliRun.of(
            "proxy-status", "--xds-address", address, "--xds-token", operator.toString());
    assertThat(tokenWithoutTls.exitCode()).isEqualTo(2);
    assertThat(tokenWithoutTls.err()).contains("credentials only go over TLS");
  }

  private static ClientStatusResponse csds(ManagedChannel channel) {
    return ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .fetchClientStatus(ClientStatusRequest.getDefaultInstance());
  }

  /** OK when syncz answered, else the status the stream ended with. */
  private static Status syncz(AdsClient client) throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug/syncz", List.of());
      Object outcome = answerOrStatus(debug);
      return outcome instanceof Status status ? status : Status.OK;
    }
  }

  @Test
  void aSpiffeCertificateIsAWorkloadIdentity() throws Exception {
    try (AdsClient own =
            new AdsClient(
                channel(certificate(certificates, "spiffe://cluster.local/ns/telco/sa/default")));
        AdsClient oam =
            new AdsClient(
                channel(certificate(certificates, "spiffe://cluster.local/ns/oam/sa/default")));
        AdsClient foreign =
            new AdsClient(
                channel(
                    certificate(certificates, "spiffe://partner.example/ns/telco/sa/default")))) {
      assertThat(clustersOrStatus(own, HSS)).isInstanceOf(DiscoveryResponse.class);
      assertThat(refusal(oam, HSS).getDescription())
          .contains("service account oam/default may not read config of namespace telco");
      Status otherDomain = refusal(foreign, HSS);
      assertThat(otherDomain.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(otherDomain.getDescription())
          .contains("trust domain partner.example is not cluster.local");
    }
    assertThat(reviews.asked).isEmpty();
  }

  @Test
  void aCertificateFromAnotherCaIsNotAccepted() throws Exception {
    TestCertificates stranger = new TestCertificates("someone else");
    try (AdsClient client =
        new AdsClient(
            channel(certificate(stranger, "spiffe://cluster.local/ns/telco/sa/default")))) {
      // The server's certificate request names the CAs it trusts, so the client keeps a
      // certificate they did not issue to itself; either way it must not get in.
      Status status = refusal(client, HSS);
      assertThat(status.getCode()).isIn(Status.Code.UNAUTHENTICATED, Status.Code.UNAVAILABLE);
    }
  }

  /** {@code authorization: Basic …}: not a bearer token. */
  private static final class Basic extends io.grpc.CallCredentials {
    @Override
    public void applyRequestMetadata(
        RequestInfo info, java.util.concurrent.Executor executor, MetadataApplier applier) {
      io.grpc.Metadata headers = new io.grpc.Metadata();
      headers.put(TokenReviewAuthenticator.AUTHORIZATION, "Basic dXNlcjpwYXNz");
      applier.apply(headers);
    }
  }
}
