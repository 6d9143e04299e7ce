package io.telmesh.e2e.secure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.telmesh.auth.BearerTokenCredentials;
import io.telmesh.e2e.kube.KubeApiServer;
import io.telmesh.e2e.peers.Peers;
import io.telmesh.envoy.IstioMutualTls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.ServeProcess;
import io.telmesh.testing.TestCertificates;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The secure xDS port against a real API server: {@code telmesh serve --secure-port} reads the demo
 * mesh with the RBAC of examples/deploy/telmesh.yaml (TokenReview included) and reviews real
 * service-account tokens from TokenRequest ({@code kubectl create token}). A sidecar with its pod's
 * token gets its config; another namespace's token, no token, a token for another audience and an
 * expired one are refused, and the sidecar already served keeps its stream; debug types and CSDS
 * are refused to a workload and served to telmesh's own namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureXdsKubernetesTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration ANSWER = Duration.ofSeconds(15);
  private static final Node HSS = Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of());
  private static final Node ISTIOCTL =
      Nodes.envoyNode("istioctl-1", "telmesh-system", "10.0.0.1", Map.of("GENERATOR", "event"));

  private Path work;
  private KubeApiServer api;
  private ServeProcess serve;
  private Path ca;
  private int securePort;

  @BeforeAll
  void start() throws Exception {
    Path repo = Peers.repoRoot();
    work = Files.createTempDirectory("telmesh-secure");
    api = KubeApiServer.start(work);
    api.kubectl("apply", "--server-side", "-f", api.multusCrd(repo).toString());
    api.applyDemo(repo);
    // No controller manager: the ServiceAccounts are made by hand.
    api.kubectl("create", "serviceaccount", "amf", "-n", "telco");
    api.kubectl("create", "namespace", "oam");
    api.kubectl("create", "serviceaccount", "default", "-n", "oam");
    api.kubectl(
        "apply", "--server-side", "-f", repo.resolve("examples/deploy/telmesh.yaml").toString());

    Path kubeconfig = work.resolve("telmesh.kubeconfig");
    api.writeKubeconfig(
        kubeconfig,
        token("telmesh-system", "telmesh", null, "https://kubernetes.default.svc.cluster.local"));

    TestCertificates certificates = new TestCertificates("telmesh e2e CA");
    ca = work.resolve("ca.crt");
    certificates.writeCa(ca);
    Path cert = work.resolve("tls.crt");
    Path key = work.resolve("tls.key");
    certificates.writeServing(cert, key);
    serve =
        ServeProcess.start(
            work.resolve("serve.log"),
            "--kubeconfig",
            kubeconfig.toString(),
            "--secure-port",
            "0",
            "--tls-cert",
            cert.toString(),
            "--tls-key",
            key.toString(),
            "--operator-namespace",
            "telmesh-system");
    securePort = serve.securePort();
    serve.awaitReady(WAIT);
    serve.await("/api/v1/mesh", m -> m.contains("telco/hss-0"), WAIT);
  }

  @AfterAll
  void stop() throws Exception {
    if (serve != null) {
      serve.close();
    }
    if (api != null) {
      api.close();
    }
  }

  /** A real token from TokenRequest, bound to a pod when one is named. */
  private String token(String namespace, String account, String pod, String audience)
      throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "create",
                "token",
                account,
                "-n",
                namespace,
                "--duration",
                "1h",
                "--audience",
                audience));
    if (pod != null) {
      args.addAll(List.of("--bound-object-kind", "Pod", "--bound-object-name", pod));
    }
    return api.kubectl(args.toArray(String[]::new)).strip();
  }

  private String sidecarToken(String namespace, String account, String pod) throws Exception {
    return token(namespace, account, pod, "istio-ca");
  }

  private ManagedChannel channel(ChannelCredentials credentials) {
    return NettyChannelBuilder.forAddress("localhost", securePort, credentials).build();
  }

  private ChannelCredentials tls() throws Exception {
    return TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
  }

  private ChannelCredentials bearer(String token) throws Exception {
    return CompositeChannelCredentials.create(tls(), new BearerTokenCredentials(token));
  }

  /** The first answer to a request for clusters, or the status the stream ended with. */
  private static Object clusters(AdsClient client, Node node) throws Exception {
    try (AdsClient.Sotw ads = client.sotw()) {
      ads.request(node, "type.googleapis.com/envoy.config.cluster.v3.Cluster", List.of());
      return ads.nextOrEnd(ANSWER);
    }
  }

  private static Status refused(AdsClient client, Node node) throws Exception {
    Object outcome = clusters(client, node);
    assertThat(outcome).as("a refusal, not config").isInstanceOf(Status.class);
    return (Status) outcome;
  }

  @Test
  void aSidecarWithItsPodsTokenGetsItsConfigAndOthersAreRefused() throws Exception {
    try (AdsClient hss = new AdsClient(channel(bearer(sidecarToken("telco", "default", "hss-0"))));
        AdsClient.Sotw served = hss.sotw();
        AdsClient oam = new AdsClient(channel(bearer(sidecarToken("oam", "default", null))));
        AdsClient amfAccount = new AdsClient(channel(bearer(sidecarToken("telco", "amf", null))));
        AdsClient boundToAmf =
            new AdsClient(channel(bearer(sidecarToken("telco", "default", "amf-0"))))) {
      served.request(HSS, "type.googleapis.com/envoy.config.cluster.v3.Cluster", List.of());
      Object first = served.nextOrEnd(ANSWER);
      assertThat(first).isInstanceOf(DiscoveryResponse.class);
      assertThat(((DiscoveryResponse) first).getResourcesCount()).isGreaterThan(3);
      served.ack((DiscoveryResponse) first, List.of());

      Status otherNamespace = refused(oam, HSS);
      assertThat(otherNamespace.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(otherNamespace.getDescription())
          .contains("service account oam/default may not read config of namespace telco");
      assertThat(refused(amfAccount, HSS).getDescription())
          .contains("pod telco/hss-0 runs as service account default, not amf");
      assertThat(refused(boundToAmf, HSS).getDescription())
          .contains("the token is bound to pod amf-0, not hss-0");

      // The proxy served before the refusals still has its stream.
      assertThat(served.closed()).isNotDone();
      served.request(HSS, "type.googleapis.com/envoy.config.listener.v3.Listener", List.of());
      assertThat(served.nextOrEnd(ANSWER)).isInstanceOf(DiscoveryResponse.class);
    }
    assertThat(serve.log())
        .contains(
            "refused proxy sidecar~10.244.2.20~hss-0.telco~telco.svc.cluster.local to service account oam/default (token)");
  }

  @Test
  void noTokenAnotherAudiencesTokenAndAnExpiredTokenAreUnauthenticated() throws Exception {
    String otherAudience =
        token("telco", "default", "hss-0", "https://kubernetes.default.svc.cluster.local");
    String expired = expired(sidecarToken("telco", "default", "hss-0"));
    try (AdsClient none = new AdsClient(channel(tls()));
        AdsClient wrongAudience = new AdsClient(channel(bearer(otherAudience)));
        AdsClient stale = new AdsClient(channel(bearer(expired)))) {
      Status noToken = refused(none, HSS);
      assertThat(noToken.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(noToken.getDescription()).contains("no credentials");

      Status audience = refused(wrongAudience, HSS);
      assertThat(audience.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(audience.getDescription()).contains("refused by the Kubernetes API");

      Status old = refused(stale, HSS);
      assertThat(old.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(old.getDescription()).contains("refused by the Kubernetes API", "expired");
    }
  }

  @Test
  void debugTypesAndCsdsAreRefusedToAWorkloadAndServedToTelmeshsNamespace() throws Exception {
    try (AdsClient workload =
            new AdsClient(channel(bearer(sidecarToken("telco", "default", "hss-0"))));
        AdsClient operator =
            new AdsClient(channel(bearer(token("telmesh-system", "telmesh", null, "istio-ca"))))) {
      Object workloadSyncz = syncz(workload);
      assertThat(workloadSyncz).isInstanceOf(Status.class);
      assertThat(((Status) workloadSyncz).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(syncz(operator)).isInstanceOf(DiscoveryResponse.class);

      assertThatThrownBy(() -> csds(workload.channel()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("PERMISSION_DENIED: CSDS is for operators");
      csds(operator.channel());
    }
  }

  /**
   * grpc-go's own xDS client, configured only by the bootstrap {@code telmesh bootstrap --proxyless
   * --xds-root-cert --xds-token} prints: {@code tls} channel credentials with the CA file, and gRFC
   * A97's {@code jwt_token_file} call credentials with the pod's token.
   */
  @Test
  void grpcGosXdsClientConnectsWithTheBootstrapsTlsAndTokenFile() throws Exception {
    Path smfToken = work.resolve("smf-0.token");
    Files.writeString(smfToken, sidecarToken("telco", "default", "smf-0"));
    Path oamToken = work.resolve("oam.token");
    Files.writeString(oamToken, sidecarToken("oam", "default", null));

    // The cluster's name is known only from telmesh's answers: LDS, RDS, CDS and EDS arrived.
    assertThat(grpcGoCall("smf-0", smfToken))
        .contains("cluster:outbound|8080||amf.telco.svc.cluster.local");
    assertThat(serve.log())
        .contains("proxy sidecar~10.244.1.11~smf-0.telco~telco.svc.cluster.local connected");

    assertThat(grpcGoCall("upf-0", oamToken)).doesNotContain("cluster:outbound|8080||amf");
    assertThat(serve.log())
        .contains(
            "refused proxy sidecar~10.244.3.40~upf-0.telco~telco.svc.cluster.local to service"
                + " account oam/default")
        .doesNotContain("proxy sidecar~10.244.3.40~upf-0.telco~telco.svc.cluster.local connected");
  }

  /**
   * grpc-java's xDS client (1.85) reads {@code tls} channel credentials but not their config and no
   * call credentials for the xDS server: it trusts the JVM's trust store and presents nothing. So
   * it completes the handshake with telmesh's certificate from the trust store, and a port that
   * asks for tokens refuses it UNAUTHENTICATED; a port with {@code --client-auth none} serves it.
   */
  @Test
  void grpcJavasXdsClientConnectsOverTlsWithTheJvmsTrustStore() throws Exception {
    Path trustStore = work.resolve("truststore.p12");
    java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (var in = Files.newInputStream(ca)) {
      store.setCertificateEntry(
          "telmesh-ca",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    try (var out = Files.newOutputStream(trustStore)) {
      store.store(out, "changeit".toCharArray());
    }

    long refusedBefore = noCredentialRefusals();
    grpcJavaCall("db-0", securePort, trustStore, null);
    // The handshake passed (a TLS failure never reaches the interceptor); the call had no token.
    assertThat(noCredentialRefusals()).isGreaterThan(refusedBefore);
    assertThat(serve.log())
        .doesNotContain("proxy sidecar~10.244.3.30~db-0.telco~telco.svc.cluster.local connected");

    try (ServeProcess tlsOnly =
        ServeProcess.start(
            work.resolve("serve-tls-only.log"),
            "--kubeconfig",
            work.resolve("telmesh.kubeconfig").toString(),
            "--secure-port",
            "0",
            "--tls-cert",
            work.resolve("tls.crt").toString(),
            "--tls-key",
            work.resolve("tls.key").toString(),
            "--client-auth",
            "none")) {
      tlsOnly.awaitReady(WAIT);
      tlsOnly.await("/api/v1/mesh", m -> m.contains("telco/db-0"), WAIT);
      grpcJavaCall("db-0", tlsOnly.securePort(), trustStore, tlsOnly);
    }
  }

  private long noCredentialRefusals() throws Exception {
    return serve
        .log()
        .lines()
        .filter(l -> l.contains("AuthInterceptor: refused") && l.contains("no credentials"))
        .count();
  }

  /**
   * {@code telmesh bootstrap --proxyless} for the pod, to telmesh's TLS port trusting the test CA,
   * as an operator runs it; the last argument names the file, the others are added to the command.
   */
  private Path proxylessBootstrap(String pod, int port, String... extraAndFile) throws Exception {
    Path file = work.resolve(extraAndFile[extraAndFile.length - 1]);
    List<String> command =
        ServeProcess.telmesh(
            "bootstrap",
            "--pod",
            "telco/" + pod,
            "--xds-address",
            "localhost:" + port,
            "--xds-root-cert",
            ca.toString(),
            "--proxyless");
    command.addAll(List.of(extraAndFile).subList(0, extraAndFile.length - 1));
    Path errors = work.resolve(file.getFileName() + ".err");
    Process print =
        new ProcessBuilder(command)
            .redirectOutput(file.toFile())
            .redirectError(errors.toFile())
            .start();
    assertThat(print.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(print.exitValue()).as(Files.readString(errors)).isZero();
    return file;
  }

  /**
   * Runs GrpcJavaPeer in its own JVM (the trust store is process-wide) for one call to amf through
   * xDS as pod {@code pod}; with {@code expectSynced}, waits while it still runs until that server
   * reports the pod's proxy SYNCED.
   */
  private void grpcJavaCall(String pod, int port, Path trustStore, ServeProcess expectSynced)
      throws Exception {
    Path bootstrap = proxylessBootstrap(pod, port, pod + "-" + port + "-java-bootstrap.json");
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder =
        new ProcessBuilder(
                java,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "-Djavax.net.ssl.trustStore=" + trustStore,
                "-Djavax.net.ssl.trustStorePassword=changeit",
                "-cp",
                System.getProperty("java.class.path"),
                io.telmesh.e2e.proxyless.GrpcJavaPeer.class.getName())
            .redirectError(work.resolve(pod + "-" + port + "-grpc-java.log").toFile());
    builder.environment().put("GRPC_XDS_BOOTSTRAP", bootstrap.toString());
    Process client = builder.start();
    try {
      client
          .getOutputStream()
          .write(
              "call xds:///amf.telco.svc.cluster.local:8080 1 3000\n"
                  .getBytes(StandardCharsets.UTF_8));
      client.getOutputStream().flush();
      String answer =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))
              .readLine();
      assertThat(answer).as("grpc-java's answer").contains("\"target\"");
      if (expectSynced != null) {
        expectSynced.await(
            "/api/v1/proxies", p -> p.contains(pod + ".telco") && p.contains("SYNCED"), WAIT);
      }
    } finally {
      client.getOutputStream().close();
      if (!client.waitFor(30, TimeUnit.SECONDS)) {
        client.destroyForcibly().waitFor();
      }
    }
  }

  /**
   * Runs grpcpeer's client for one call to amf through xDS, as pod {@code pod} with the token;
   * returns grpc-go's log, which names the clusters its balancers were given.
   */
  private String grpcGoCall(String pod, Path token) throws Exception {
    Path bootstrap =
        proxylessBootstrap(
            pod, securePort, "--xds-token", token.toString(), pod + "-bootstrap.json");
    ProcessBuilder builder =
        new ProcessBuilder(Peers.binary("grpcpeer").toString(), "client")
            .redirectError(work.resolve(pod + "-grpc-go.log").toFile());
    builder.environment().put("GRPC_XDS_BOOTSTRAP", bootstrap.toString());
    builder.environment().put("GRPC_EXPERIMENTAL_XDS_BOOTSTRAP_CALL_CREDS", "true");
    builder.environment().put("GRPC_GO_LOG_SEVERITY_LEVEL", "info");
    Process client = builder.start();
    client
        .getOutputStream()
        .write(
            "call xds:///amf.telco.svc.cluster.local:8080 1 3000\n"
                .getBytes(StandardCharsets.UTF_8));
    client.getOutputStream().close();
    client.getInputStream().readAllBytes();
    assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return Files.readString(work.resolve(pod + "-grpc-go.log"));
  }

  /**
   * Without certificate files, telmesh makes its CA in a Secret (with the example's RBAC), issues
   * its own serving certificate and publishes the root as istio-ca-root-cert: a sidecar trusting
   * the published root gets its config, and a restart (or another replica) keeps the same root.
   */
  @Test
  void withoutCertificateFilesTelmeshRunsItsOwnCaAndPublishesItsRoot() throws Exception {
    String firstRoot;
    try (ServeProcess own = ownCa("own-ca-1")) {
      firstRoot = publishedRoot("telco");
      assertThat(publishedRoot("oam")).isEqualTo(firstRoot);
      assertThat(clustersVia(firstRoot)).isInstanceOf(DiscoveryResponse.class);
      assertThat(own.log())
          .contains("made a new CA", "Secret telmesh-system/telmesh-ca")
          .contains("published the CA root as ConfigMap telco/istio-ca-root-cert");
    }
    try (ServeProcess again = ownCa("own-ca-2")) {
      assertThat(again.log()).contains("using the CA of Secret telmesh-system/telmesh-ca");
      assertThat(publishedRoot("telco")).isEqualTo(firstRoot);
      assertThat(clustersVia(firstRoot)).isInstanceOf(DiscoveryResponse.class);
    }
  }

  /**
   * Istio's own agent, pointed at telmesh's CA with a real pod token, gets the pod's workload
   * certificate and serves it and the root over SDS under the names telmesh's mutual TLS clusters
   * and chains ask for ({@code default}, {@code ROOTCA}); the bootstrap the agent writes for Envoy
   * has the {@code sds-grpc} cluster they name.
   */
  @Test
  void istioAgentGetsThePodsCertificateFromTelmeshsCaAndServesItOverSds() throws Exception {
    // A CA and root ConfigMap of its own, so the test above still sees its first start.
    try (ServeProcess own =
        ownCa(
            "own-ca-agent",
            "--ca-secret",
            "telmesh-system/telmesh-ca-agent",
            "--root-configmap",
            AGENT_ROOT)) {
      String root = publishedRoot("telco", AGENT_ROOT);
      int status;
      try (ServerSocket socket = new ServerSocket(0)) {
        status = socket.getLocalPort();
      }
      try (IstioAgent agent =
          IstioAgent.start(
              work.resolve("agent-hss-0"),
              ownCaPort,
              root,
              sidecarToken("telco", "default", "hss-0"),
              "hss-0",
              "telco",
              "10.244.2.20",
              "default",
              status)) {
        Secret workload =
            agent.secret(IstioMutualTls.WORKLOAD_CERTIFICATE, HSS, Duration.ofSeconds(60));
        List<X509Certificate> chain =
            certificates(workload.getTlsCertificate().getCertificateChain().getInlineBytes());
        X509Certificate rootCertificate = certificates(ByteString.copyFromUtf8(root)).get(0);
        X509Certificate leaf = chain.get(0);
        leaf.verify(rootCertificate.getPublicKey());
        assertThat(leaf.getSubjectAlternativeNames())
            .extracting(n -> n.get(0) + " " + n.get(1))
            .containsExactly("6 spiffe://cluster.local/ns/telco/sa/default");
        assertThat(leaf.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(workload.getTlsCertificate().getPrivateKey().getInlineBytes().toStringUtf8())
            .contains("PRIVATE KEY");

        Secret trust = agent.secret(IstioMutualTls.ROOT_CERTIFICATE, HSS, Duration.ofSeconds(30));
        assertThat(certificates(trust.getValidationContext().getTrustedCa().getInlineBytes()))
            .contains(rootCertificate);

        // Istio's bootstrap has the cluster telmesh's TLS contexts name, on the same socket.
        JsonNode bootstrap = JsonMapper.builder().build().readTree(agent.bootstrap());
        JsonNode sds = null;
        for (JsonNode cluster : bootstrap.path("static_resources").path("clusters")) {
          if (cluster.path("name").asString("").equals(IstioMutualTls.SDS_CLUSTER)) {
            sds = cluster;
          }
        }
        assertThat(sds).as("sds-grpc in Istio's bootstrap").isNotNull();
        assertThat(sds.toString()).contains(IstioMutualTls.SDS_SOCKET);
      }
      assertThat(own.log()).contains("workload certificate", "telco/default");
    }
  }

  private static List<X509Certificate> certificates(ByteString pem) throws Exception {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new java.io.ByteArrayInputStream(pem.toByteArray()))
        .stream()
        .map(X509Certificate.class::cast)
        .toList();
  }

  private int ownCaPort;

  private static final String AGENT_ROOT = "agent-test-root-cert";

  private ServeProcess ownCa(String name, String... more) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--kubeconfig",
                work.resolve("telmesh.kubeconfig").toString(),
                "--secure-port",
                "0",
                "--operator-namespace",
                "telmesh-system"));
    args.addAll(List.of(more));
    ServeProcess process =
        ServeProcess.start(work.resolve(name + ".log"), args.toArray(String[]::new));
    ownCaPort = process.securePort();
    process.awaitReady(WAIT);
    process.await("/api/v1/mesh", m -> m.contains("telco/hss-0"), WAIT);
    return process;
  }

  /** The root published in the namespace, once it is there. */
  private String publishedRoot(String namespace) throws Exception {
    return publishedRoot(namespace, "istio-ca-root-cert");
  }

  private String publishedRoot(String namespace, String configMap) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String root =
            api.kubectl(
                "get",
                "configmap",
                configMap,
                "-n",
                namespace,
                "-o",
                "jsonpath={.data.root-cert\\.pem}");
        if (root.startsWith("-----BEGIN CERTIFICATE-----")) {
          return root;
        }
      } catch (AssertionError notYet) {
        // not published yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no root published in " + namespace);
  }

  private Object clustersVia(String root) throws Exception {
    Path rootFile = Files.createTempFile(work, "root", ".pem");
    Files.writeString(rootFile, root);
    ChannelCredentials credentials =
        CompositeChannelCredentials.create(
            TlsChannelCredentials.newBuilder().trustManager(rootFile.toFile()).build(),
            new BearerTokenCredentials(sidecarToken("telco", "default", "hss-0")));
    try (AdsClient client =
        new AdsClient(
            NettyChannelBuilder.forAddress("localhost", ownCaPort, credentials).build())) {
      return clusters(client, HSS);
    }
  }

  private static Object syncz(AdsClient client) throws Exception {
    try (AdsClient.Sotw debug = client.sotw()) {
      debug.request(ISTIOCTL, "istio.io/debug/syncz", List.of());
      return debug.nextOrEnd(ANSWER);
    }
  }

  private static void csds(ManagedChannel channel) {
    ClientStatusDiscoveryServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(15, TimeUnit.SECONDS)
        .fetchClientStatus(ClientStatusRequest.getDefaultInstance());
  }

  /**
   * The token's claims moved an hour into the past and signed again with the API server's own key:
   * a genuine token that has expired, which TokenRequest will not issue (10 minutes at least).
   */
  private String expired(String token) throws Exception {
    String[] parts = token.split("\\.");
    Base64.Decoder decoder = Base64.getUrlDecoder();
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    JsonMapper json = JsonMapper.builder().build();
    ObjectNode claims = (ObjectNode) json.readTree(decoder.decode(parts[1]));
    long now = Instant.now().getEpochSecond();
    claims.put("iat", now - 7200).put("nbf", now - 7200).put("exp", now - 3600);
    String signed = parts[0] + "." + encoder.encodeToString(json.writeValueAsBytes(claims));
    String pem = Files.readString(api.serviceAccountSigningKey());
    byte[] der =
        Base64.getMimeDecoder()
            .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(key);
    rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
    return signed + "." + encoder.encodeToString(rs256.sign());
  }
}
