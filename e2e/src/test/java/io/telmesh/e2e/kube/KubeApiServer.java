package io.telmesh.e2e.kube;

import io.telmesh.e2e.peers.Peers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real Kubernetes API server for tests: etcd and kube-apiserver, built from their Go modules by
 * {@code e2e/peers/build.sh} (cached), started on loopback with free ports, service-account signing
 * keys made here, self-signed serving certificates made by kube-apiserver itself, RBAC on, and a
 * static token for an administrator ({@code system:masters}). No controller manager or scheduler
 * runs: what those would create (a namespace's {@code default} ServiceAccount, EndpointSlices) the
 * tests create themselves.
 */
public final class KubeApiServer implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Path etcdBinary;
  private final Path apiServerBinary;
  private final Path kubectlBinary;
  private final String adminToken;
  private final int etcdClientPort;
  private final int etcdPeerPort;
  private final int apiPort;
  private Process etcd;
  private Process apiServer;
  private Duration lastStart = Duration.ZERO;

  private KubeApiServer(Path dir) throws IOException {
    this.dir = dir;
    this.etcdBinary = Peers.binary("etcd");
    this.apiServerBinary = Peers.binary("kube-apiserver");
    this.kubectlBinary = Peers.binary("kubectl");
    byte[] secret = new byte[24];
    new SecureRandom().nextBytes(secret);
    this.adminToken = HexFormat.of().formatHex(secret);
    this.etcdClientPort = freePort();
    this.etcdPeerPort = freePort();
    this.apiPort = freePort();
  }

  /** Builds (first time on a machine) and starts etcd and kube-apiserver in {@code dir}. */
  public static KubeApiServer start(Path dir) throws Exception {
    KubeApiServer server = new KubeApiServer(dir);
    try {
      server.writeKeys();
      server.startEtcd();
      server.startApiServer();
      server.writeKubeconfig(server.adminKubeconfig(), server.adminToken);
      return server;
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public URI url() {
    return URI.create("https://127.0.0.1:" + apiPort);
  }

  public Path adminKubeconfig() {
    return dir.resolve("admin.kubeconfig");
  }

  /** How long the last start of kube-apiserver took until {@code /readyz} said ok. */
  public Duration lastStartTime() {
    return lastStart;
  }

  private void writeKeys() throws IOException, NoSuchAlgorithmException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    Files.writeString(dir.resolve("sa.key"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    // token,user,uid,"groups"
    Files.writeString(
        dir.resolve("tokens.csv"), adminToken + ",test-admin,test-admin,system:masters\n");
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private void startEtcd() throws Exception {
    String client = "http://127.0.0.1:" + etcdClientPort;
    String peer = "http://127.0.0.1:" + etcdPeerPort;
    etcd =
        new ProcessBuilder(
                etcdBinary.toString(),
                "--name",
                "test",
                "--data-dir",
                dir.resolve("etcd").toString(),
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                "test=" + peer,
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("etcd.log").toFile())
            .start();
    awaitOk(URI.create(client + "/health"), null, etcd, "etcd.log");
  }

  /** Starts kube-apiserver (again, after {@link #stopApiServer}) on the same port and data. */
  public void startApiServer() throws Exception {
    long started = System.nanoTime();
    List<String> command = new ArrayList<>();
    command.add(apiServerBinary.toString());
    command.addAll(
        List.of(
            "--etcd-servers",
            "http://127.0.0.1:" + etcdClientPort,
            "--bind-address",
            "127.0.0.1",
            "--advertise-address",
            "127.0.0.1",
            "--secure-port",
            Integer.toString(apiPort),
            "--cert-dir",
            dir.resolve("certs").toString(),
            "--service-account-key-file",
            dir.resolve("sa.pub").toString(),
            "--service-account-signing-key-file",
            dir.resolve("sa.key").toString(),
            "--service-account-issuer",
            "https://kubernetes.default.svc.cluster.local",
            "--token-auth-file",
            dir.resolve("tokens.csv").toString(),
            "--authorization-mode",
            "RBAC",
            // covers the ClusterIPs of the demo and the generated meshes
            "--service-cluster-ip-range",
            "10.96.0.0/12",
            // no kubelet on loopback to reconcile the kubernetes Service's endpoints against
            "--endpoint-reconciler-type",
            "none"));
    apiServer =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("kube-apiserver.log").toFile()))
            .start();
    awaitOk(url().resolve("/readyz"), adminToken, apiServer, "kube-apiserver.log");
    lastStart = Duration.ofNanos(System.nanoTime() - started);
  }

  /** Stops kube-apiserver (etcd keeps the data): an API outage as clients see it. */
  public void stopApiServer() throws InterruptedException {
    if (apiServer != null) {
      apiServer.destroy();
      if (!apiServer.waitFor(20, TimeUnit.SECONDS)) {
        apiServer.destroyForcibly().waitFor();
      }
      apiServer = null;
    }
  }

  private void awaitOk(URI uri, String token, Process process, String log) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            uri.getPath() + ": process exited " + process.exitValue() + "; log:\n" + tail(log));
      }
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        if (token != null) {
          request.header("Authorization", "Bearer " + token);
        }
        if (http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode()
            == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError(uri + " not ready in " + START_TIMEOUT + "; log:\n" + tail(log));
  }

  private String tail(String log) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(log));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * The test's own probes only: they run before the serving certificate exists to be read. Every
   * client under test (kubectl, telmesh) verifies it against the CA in a kubeconfig.
   */
  private static SSLContext trustAll() throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        null,
        new TrustManager[] {
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          }
        },
        null);
    return context;
  }

  /**
   * The key this API server signs service-account tokens with (PKCS#8 PEM): tests re-sign a real
   * token's claims with it to make one that has expired, which TokenRequest will not issue.
   */
  public Path serviceAccountSigningKey() {
    return dir.resolve("sa.key");
  }

  /** The serving certificate kube-apiserver made for itself, with the CA that signed it. */
  public Path caFile() {
    return dir.resolve("certs").resolve("apiserver.crt");
  }

  /** A kubeconfig for this server with a bearer token, trusting its self-signed certificate. */
  public void writeKubeconfig(Path file, String token) throws IOException {
    Path ca = caFile();
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: %s
            certificate-authority: %s
        users:
        - name: test
          user:
            token: %s
        contexts:
        - name: test
          context:
            cluster: test
            user: test
            namespace: default
        current-context: test
        """
            .formatted(url(), ca, token));
  }

  /** The Multus CRD from the kind recipe, as a file of its own in this server's directory. */
  public Path multusCrd(Path repo) throws IOException {
    String multus = Files.readString(repo.resolve("e2e/kind/manifests/00-multus.yaml"));
    String crd =
        java.util.stream.Stream.of(multus.split("(?m)^---\\s*$"))
            .filter(d -> d.contains("kind: CustomResourceDefinition"))
            .findFirst()
            .orElseThrow();
    Path file = dir.resolve("crd.yaml");
    Files.writeString(file, crd);
    return file;
  }

  /**
   * The demo (examples/telco) as a cluster would hold it: applied server-side, pod status through
   * the status subresource, the namespace's default ServiceAccount made by hand (no controller
   * manager here). NADs need the Multus CRD ({@link #multusCrd}) applied first.
   */
  public void applyDemo(Path repo) throws IOException, InterruptedException {
    Path demo = repo.resolve("examples/telco");
    kubectl("apply", "--server-side", "-f", demo.resolve("00-namespace.yaml").toString());
    kubectl("create", "serviceaccount", "default", "-n", "telco");
    for (String file :
        List.of("10-networks.yaml", "20-pods.yaml", "30-services.yaml", "40-endpointslices.yaml")) {
      kubectl("apply", "--server-side", "-f", demo.resolve(file).toString());
    }
    kubectl(
        "apply",
        "--server-side",
        "--subresource=status",
        "-f",
        demo.resolve("20-pods.yaml").toString());
  }

  /** Runs kubectl as the administrator; its output, or an AssertionError with it. */
  public String kubectl(String... args) throws IOException, InterruptedException {
    return kubectlAs(adminKubeconfig(), args);
  }

  public String kubectlAs(Path kubeconfig, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(kubectlBinary.toString());
    command.add("--kubeconfig");
    command.add(kubeconfig.toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new AssertionError("kubectl " + String.join(" ", args) + " failed:\n" + output);
    }
    return output;
  }

  @Override
  public void close() {
    for (Process process : new Process[] {apiServer, etcd}) {
      if (process != null) {
        process.destroy();
        try {
          if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UncheckedIOException(new IOException("interrupted while stopping", e));
        }
      }
    }
  }
}
