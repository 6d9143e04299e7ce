package io.telmesh.proxyless;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ClientInterceptors;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import io.grpc.xds.XdsNameResolverProvider;
import io.telmesh.kube.KubeObjects;
import io.telmesh.testing.TestServer;
import io.telmesh.xds.ProxyRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * grpc-java's own xDS client, an independent consumer of telmesh's proxyless config: a channel
 * {@code xds:///greeter.grpc.svc.cluster.local:50051} bootstrapped at telmesh makes real RPCs to
 * real gRPC backends on loopback addresses, and follows endpoint changes without reconnecting;
 * channels naming the Service the short ways a gRPC target may ({@code greeter.grpc:50051}, and
 * {@code greeter:50051} from the client's own namespace) reach the same backends.
 */
class GrpcXdsClientTest {

  private static final Metadata.Key<String> BACKEND =
      Metadata.Key.of("x-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final String NODE_ID = "sidecar~127.0.0.1~client.grpc~grpc.svc.cluster.local";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private int backendPort;
  private List<Server> backends;
  private TestServer telmesh;
  private Map<String, Object> bootstrap;
  private ManagedChannel channel;
  private final List<ManagedChannel> moreChannels = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    try (ServerSocket probe = new ServerSocket(0)) {
      backendPort = probe.getLocalPort();
    }
    backends =
        List.of(backend("a", "127.0.0.11"), backend("b", "127.0.0.12"), backend("c", "127.0.0.13"));
    telmesh = new TestServer(mesh(Set.of("a", "b"), Set.of("a", "b", "c")));
    bootstrap =
        Map.of(
            "xds_servers",
                List.of(
                    Map.of(
                        "server_uri",
                        "127.0.0.1:" + telmesh.port(),
                        "channel_creds",
                        List.of(Map.of("type", "insecure")),
                        "server_features",
                        List.of("xds_v3"))),
            "node",
                Map.of(
                    "id", NODE_ID, "metadata", Map.of("GENERATOR", "grpc", "NAMESPACE", "grpc")));
    channel = channel("xds:///greeter.grpc.svc.cluster.local:50051");
  }

  private ManagedChannel channel(String target) {
    @SuppressWarnings("deprecation")
    ManagedChannel built =
        NettyChannelBuilder.forTarget(target)
            .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap))
            .usePlaintext()
            .build();
    return built;
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    for (ManagedChannel more : moreChannels) {
      more.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server backend : backends) {
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    telmesh.close();
  }

  @Test
  void rpcsReachTheRightBackendsAndFollowEndpointChanges() throws Exception {
    assertThat(awaitBackends(seen -> seen.equals(Set.of("a", "b"))))
        .containsExactlyInAnyOrder("a", "b");
    ProxyRegistry.Connection connection =
        telmesh.server.registry().connection(NODE_ID).orElseThrow();

    telmesh.source.publish(mesh(Set.of("a", "b", "c"), Set.of("a", "b", "c")));
    assertThat(awaitBackends(seen -> seen.contains("c"))).as("c became ready").contains("c");

    telmesh.source.publish(mesh(Set.of("b", "c"), Set.of("b", "c")));
    assertThat(awaitBackends(seen -> !seen.contains("a") && seen.size() == 2))
        .as("pod a removed")
        .containsExactlyInAnyOrder("b", "c");

    Instant since = telmesh.server.registry().connection(NODE_ID).orElseThrow().since();
    assertThat(since)
        .as("the client never reconnected to the control plane")
        .isEqualTo(connection.since());
  }

  @Test
  void shortNameTargetsReachTheBackends() throws Exception {
    // The authority is the target as written: telmesh must offer a listener of that name and a
    // virtual host matching it. greeter:50051 works because this client's namespace is grpc.
    for (String target : List.of("xds:///greeter.grpc:50051", "xds:///greeter:50051")) {
      ManagedChannel shortName = channel(target);
      moreChannels.add(shortName);
      assertThat(awaitBackends(shortName, seen -> seen.equals(Set.of("a", "b"))))
          .as("backends reached through %s", target)
          .containsExactlyInAnyOrder("a", "b");
    }
  }

  private Set<String> awaitBackends(Predicate<Set<String>> condition) throws InterruptedException {
    return awaitBackends(channel, condition);
  }

  /** Calls until the set of backends answering the last 12 RPCs satisfies the condition. */
  private static Set<String> awaitBackends(ManagedChannel channel, Predicate<Set<String>> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<String> seen = Set.of();
    while (System.nanoTime() < deadline) {
      seen = new HashSet<>();
      for (int i = 0; i < 12; i++) {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        try {
          HealthGrpc.newBlockingStub(
                  ClientInterceptors.intercept(
                      channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers)))
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
          seen.add(headers.get().get(BACKEND));
        } catch (io.grpc.StatusRuntimeException e) {
          seen.add("error:" + e.getStatus().getCode());
        }
      }
      if (condition.test(seen)) {
        return seen;
      }
      Thread.sleep(200);
    }
    return seen;
  }

  private Server backend(String name, String address) throws Exception {
    ServerInterceptor identify =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            return next.startCall(
                new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                  @Override
                  public void sendHeaders(Metadata responseHeaders) {
                    responseHeaders.put(BACKEND, name);
                    super.sendHeaders(responseHeaders);
                  }
                },
                headers);
          }
        };
    return NettyServerBuilder.forAddress(new InetSocketAddress(address, backendPort))
        .addService(
            ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), identify))
        .build()
        .start();
  }

  /**
   * The greeter Service: pods a, b, c on 127.0.0.11-13; {@code ready} of those present are ready.
   */
  private KubeObjects mesh(Set<String> ready, Set<String> present) {
    StringBuilder yaml =
        new StringBuilder(
            """
        apiVersion: v1
        kind: Service
        metadata: {name: greeter, namespace: grpc}
        spec:
          clusterIP: 10.96.5.5
          selector: {app: greeter}
          ports: [{name: grpc, port: 50051, targetPort: %d}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: greeter-1, namespace: grpc, labels: {kubernetes.io/service-name: greeter}}
        addressType: IPv4
        ports: [{name: grpc, port: %d, protocol: TCP}]
        endpoints:
        """
                .formatted(backendPort, backendPort));
    Map<String, String> ips = Map.of("a", "127.0.0.11", "b", "127.0.0.12", "c", "127.0.0.13");
    for (String pod : List.of("a", "b", "c")) {
      if (present.contains(pod)) {
        yaml.append("- {addresses: [")
            .append(ips.get(pod))
            .append("], conditions: {ready: ")
            .append(ready.contains(pod))
            .append("}, targetRef: {kind: Pod, name: greeter-")
            .append(pod)
            .append("}}\n");
      }
    }
    for (String pod : List.of("a", "b", "c")) {
      if (present.contains(pod)) {
        yaml.append(
            """
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: greeter-%s, namespace: grpc, labels: {app: greeter}}
            spec: {containers: [{name: app, ports: [{name: grpc, containerPort: %d}]}]}
            status: {phase: Running, conditions: [{type: Ready, status: "%s"}], podIPs: [{ip: %s}]}
            """
                .formatted(pod, backendPort, ready.contains(pod) ? "True" : "False", ips.get(pod)));
      }
    }
    var parsed = new io.telmesh.kube.ManifestParser().parse("grpc test mesh", yaml.toString());
    assertThat(parsed.problems()).isEmpty();
    return io.telmesh.kube.ManifestParser.toKubeObjects(parsed.objects(), parsed.problems());
  }
}
