package io.telmesh.e2e.secure;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.telmesh.e2e.peers.Peers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Istio's own sidecar agent ({@code pilot-agent proxy sidecar}) for one pod, in a directory of its
 * own: its token and CA root where an injected sidecar mounts them (relative paths, so under the
 * directory), telmesh's secure port as both its CA and its discovery address. Envoy cannot be
 * installed here, so the agent starts a stand-in that only waits; the agent's SDS socket, CA client
 * and generated bootstrap are the real ones.
 */
final class IstioAgent implements AutoCloseable {

  /** Where the agent serves SDS, relative to its directory (Istio's bootstrap says the same). */
  static final String SDS_SOCKET = "var/run/secrets/workload-spiffe-uds/socket";

  private final Path directory;
  private final Process process;
  private final EpollEventLoopGroup loop = new EpollEventLoopGroup(1);

  private IstioAgent(Path directory, Process process) {
    this.directory = directory;
    this.process = process;
  }

  /**
   * Starts the agent for a pod.
   *
   * @param telmesh telmesh's secure port on loopback
   * @param root the CA root the agent is to trust for telmesh (as mounted from istio-ca-root-cert)
   * @param token the pod's service-account token for audience istio-ca
   * @param statusPort a free port for the agent's status server
   */
  static IstioAgent start(
      Path directory,
      int telmesh,
      String root,
      String token,
      String pod,
      String namespace,
      String ip,
      String serviceAccount,
      int statusPort)
      throws IOException {
    Path binary = Peers.binary("pilot-agent");
    // Where Istio's proxy image holds the template the agent renders Envoy's bootstrap from.
    Path template = directory.resolve("var/lib/istio/envoy/envoy_bootstrap_tmpl.json");
    Files.createDirectories(template.getParent());
    Files.copy(binary.resolveSibling("envoy_bootstrap.json"), template);
    Files.createDirectories(directory.resolve("var/run/secrets/tokens"));
    Files.createDirectories(directory.resolve("var/run/secrets/istio"));
    Files.writeString(directory.resolve("var/run/secrets/tokens/istio-token"), token);
    Files.writeString(directory.resolve("var/run/secrets/istio/root-cert.pem"), root);
    Path standIn = directory.resolve("envoy-stand-in");
    Files.writeString(standIn, "#!/bin/sh\nexec sleep 3600\n");
    standIn.toFile().setExecutable(true);
    // Not "localhost": for that host the agent expects istiod's name (kubectl port-forward use).
    String address = "127.0.0.1:" + telmesh;
    ProcessBuilder builder =
        new ProcessBuilder(binary.toString(), "proxy", "sidecar")
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("agent.log").toFile());
    var env = builder.environment();
    env.put(
        "PROXY_CONFIG",
        "{\"discoveryAddress\":\""
            + address
            + "\",\"binaryPath\":\""
            + standIn
            + "\",\"configPath\":\""
            + directory.resolve("etc/istio/proxy")
            + "\",\"statusPort\":"
            + statusPort
            + "}");
    env.put("CA_ADDR", address);
    env.put("POD_NAME", pod);
    env.put("POD_NAMESPACE", namespace);
    env.put("INSTANCE_IP", ip);
    env.put("SERVICE_ACCOUNT", serviceAccount);
    env.put("JWT_POLICY", "third-party-jwt");
    return new IstioAgent(directory, builder.start());
  }

  /**
   * Asks the agent's SDS server for one secret, as Envoy's cluster or chain would, and waits for
   * it: the agent fetches the certificate from its CA on the first such request.
   */
  Secret secret(String name, Node node, Duration wait) throws Exception {
    Path socket = directory.resolve(SDS_SOCKET);
    long deadline = System.nanoTime() + wait.toNanos();
    while (!Files.exists(socket)) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new AssertionError("the agent opened no SDS socket:\n" + log());
      }
      Thread.sleep(100);
    }
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .eventLoopGroup(loop)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    try {
      var responses = new java.util.concurrent.LinkedBlockingQueue<Object>();
      var requests =
          SecretDiscoveryServiceGrpc.newStub(channel)
              .streamSecrets(
                  new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(DiscoveryResponse response) {
                      responses.add(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                      responses.add(t);
                    }

                    @Override
                    public void onCompleted() {
                      responses.add(new AssertionError("the SDS stream ended"));
                    }
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret")
              .addResourceNames(name)
              .build());
      Object answer = responses.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
      requests.onCompleted();
      if (answer == null) {
        throw new AssertionError("no secret " + name + " within " + wait + ":\n" + log());
      }
      if (answer instanceof Throwable failure) {
        throw new AssertionError("SDS failed for " + name + ":\n" + log(), failure);
      }
      List<com.google.protobuf.Any> resources = ((DiscoveryResponse) answer).getResourcesList();
      if (resources.size() != 1) {
        throw new AssertionError("expected one secret " + name + ", got " + resources);
      }
      return resources.get(0).unpack(Secret.class);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The Envoy bootstrap Istio's agent wrote for the stand-in. */
  String bootstrap() throws IOException {
    return Files.readString(
        directory.resolve("etc/istio/proxy/envoy-rev.json"), StandardCharsets.UTF_8);
  }

  String log() throws IOException {
    Path log = directory.resolve("agent.log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  @Override
  public void close() throws Exception {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
