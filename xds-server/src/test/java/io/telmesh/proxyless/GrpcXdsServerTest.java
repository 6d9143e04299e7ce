package io.telmesh.proxyless;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.xds.XdsNameResolverProvider;
import io.grpc.xds.XdsServerBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.ManifestParser;
import io.telmesh.testing.TestServer;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * grpc-java's xDS server ({@code XdsServerBuilder}) bootstrapped at telmesh as pod {@code
 * grpc/greeter-0}: it asks for {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:<port>}, accepts
 * telmesh's server listener and starts serving; a grpc-java xDS client then reaches it through
 * telmesh (listener, route, cluster and endpoints of the Service selecting that pod).
 */
class GrpcXdsServerTest {

  private static final String SERVER_NODE =
      "sidecar~127.0.0.1~greeter-0.grpc~grpc.svc.cluster.local";
  private static final String CLIENT_NODE = "sidecar~127.0.0.1~client.grpc~grpc.svc.cluster.local";

  private int port;
  private TestServer telmesh;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    telmesh = new TestServer(mesh(port));
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    telmesh.close();
  }

  @Test
  void anXdsServerInAPodOfTheMeshServesAndIsReachedThroughTelmesh() throws Exception {
    CompletableFuture<String> serving = new CompletableFuture<>();
    server =
        XdsServerBuilder.forPort(port, InsecureServerCredentials.create())
            .addService(new HealthStatusManager().getHealthService())
            .xdsServingStatusListener(
                new XdsServerBuilder.XdsServingStatusListener() {
                  @Override
                  public void onServing() {
                    serving.complete("SERVING");
                  }

                  @Override
                  public void onNotServing(Throwable cause) {
                    serving.complete("NOT_SERVING: " + Status.fromThrowable(cause));
                  }
                })
            .overrideBootstrapForTest(
                bootstrap(
                    SERVER_NODE,
                    Map.of(
                        "server_listener_resource_name_template",
                        "xds.istio.io/grpc/lds/inbound/%s")))
            .build();
    // start() returns once the first listener update (or its absence) is known.
    CompletableFuture.runAsync(
        () -> {
          try {
            server.start();
          } catch (Exception e) {
            serving.complete("start failed: " + e);
          }
        });
    assertThat(serving.get(30, TimeUnit.SECONDS)).isEqualTo("SERVING");

    @SuppressWarnings("deprecation")
    ManagedChannel built =
        NettyChannelBuilder.forTarget("xds:///greeter.grpc.svc.cluster.local:50051")
            .nameResolverFactory(
                XdsNameResolverProvider.createForTest("xds", bootstrap(CLIENT_NODE, Map.of())))
            .usePlaintext()
            .build();
    channel = built;
    HealthCheckResponse response =
        HealthGrpc.newBlockingStub(channel)
            .withWaitForReady()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  private Map<String, Object> bootstrap(String nodeId, Map<String, Object> extra) {
    Map<String, Object> bootstrap = new java.util.HashMap<>(extra);
    bootstrap.put(
        "xds_servers",
        List.of(
            Map.of(
                "server_uri",
                "127.0.0.1:" + telmesh.port(),
                "channel_creds",
                List.of(Map.of("type", "insecure")),
                "server_features",
                List.of("xds_v3"))));
    bootstrap.put(
        "node", Map.of("id", nodeId, "metadata", Map.of("GENERATOR", "grpc", "NAMESPACE", "grpc")));
    return bootstrap;
  }

  /**
   * Service greeter (port 50051, target {@code port}) selecting pod greeter-0 on 127.0.0.1, where
   * the xDS server listens ({@code 0.0.0.0:<port>}).
   */
  private static KubeObjects mesh(int port) {
    String yaml =
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
        - {addresses: [127.0.0.1], conditions: {ready: true}, targetRef: {kind: Pod, name: greeter-0}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: greeter-0, namespace: grpc, labels: {app: greeter}}
        spec: {containers: [{name: app, ports: [{name: grpc, containerPort: %d}]}]}
        status: {phase: Running, conditions: [{type: Ready, status: "True"}], podIPs: [{ip: 127.0.0.1}]}
        """
            .formatted(port, port, port);
    var parsed = new ManifestParser().parse("grpc server test mesh", yaml);
    assertThat(parsed.problems()).isEmpty();
    return ManifestParser.toKubeObjects(parsed.objects(), parsed.problems());
  }
}
