package io.telmesh.e2e.secure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.core.v3.Node;
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
import io.telmesh.e2e.kube.KubeApiServer;
import io.telmesh.e2e.peers.Peers;
import io.telmesh.e2e.serve.ServeProcess;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.BearerToken;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.TestCertificates;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
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
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The secure xDS port against a real API server: {@code telmesh serve --secure-port} reads the demo
 * mesh with the deployment's ClusterRole (TokenReview included) and reviews real service-account
 * tokens from TokenRequest ({@code kubectl create token}). A sidecar with its pod's token gets its
 * config; another namespace's token, no token, a token for another audience and an expired one are
 * refused, and the sidecar already served keeps its stream; debug types and CSDS are refused to a
 * workload and served to telmesh's own namespace.
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
    Path demo = repo.resolve("examples/telco");
    api.kubectl("apply", "--server-side", "-f", demo.resolve("00-namespace.yaml").toString());
    for (String file : List.of("10-networks.yaml", "30-services.yaml", "40-endpointslices.yaml")) {
      if (file.equals("10-networks.yaml")) {
        api.kubectl("apply", "--server-side", "-f", multusCrd(repo).toString());
      }
      api.kubectl("apply", "--server-side", "-f", demo.resolve(file).toString());
    }
    // No controller manager: the default ServiceAccounts are made by hand.
    api.kubectl("create", "serviceaccount", "default", "-n", "telco");
    api.kubectl("create", "serviceaccount", "amf", "-n", "telco");
    api.kubectl("create", "namespace", "oam");
    api.kubectl("create", "serviceaccount", "default", "-n", "oam");
    api.kubectl("apply", "--server-side", "-f", demo.resolve("20-pods.yaml").toString());
    api.kubectl(
        "apply",
        "--server-side",
        "--subresource=status",
        "-f",
        demo.resolve("20-pods.yaml").toString());
    api.kubectl(
        "apply",
        "--server-side",
        "-f",
        repo.resolve("e2e/kind/manifests/10-telmesh.yaml").toString());

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
    try (ServerSocket socket = new ServerSocket(0)) {
      securePort = socket.getLocalPort();
    }
    serve =
        ServeProcess.start(
            work.resolve("serve.log"),
            "--kubeconfig",
            kubeconfig.toString(),
            "--secure-port",
            Integer.toString(securePort),
            "--tls-cert",
            cert.toString(),
            "--tls-key",
            key.toString(),
            "--operator-namespace",
            "telmesh-system");
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

  private Path multusCrd(Path repo) throws Exception {
    String multus = Files.readString(repo.resolve("e2e/kind/manifests/00-multus.yaml"));
    String crd =
        java.util.stream.Stream.of(multus.split("(?m)^---\\s*$"))
            .filter(d -> d.contains("kind: CustomResourceDefinition"))
            .findFirst()
            .orElseThrow();
    Path file = work.resolve("crd.yaml");
    Files.writeString(file, crd);
    return file;
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
    return CompositeChannelCredentials.create(tls(), new BearerToken(token));
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
