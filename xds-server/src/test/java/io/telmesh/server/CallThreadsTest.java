package io.telmesh.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.source.BundledDemo;
import io.telmesh.source.StaticSource;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which threads run the server's calls. An xDS stream's requests are handled on the transport
 * thread that read them, on both ports. On the secure port the start of a call, where
 * authentication runs and may wait on the API server, is not, so one slow start holds up no other
 * stream on its connection; the plaintext port, where nothing blocks, runs everything in gRPC's
 * direct mode.
 */
class CallThreadsTest {

  private static final Metadata.Key<String> HOLD =
      Metadata.Key.of("x-hold", Metadata.ASCII_STRING_MARSHALLER);

  /** gRPC's Netty event loops, which read and write the connections. */
  private static final String TRANSPORT = "-worker-ELG-";

  @TempDir Path dir;
  private final CountDownLatch release = new CountDownLatch(1);
  private final Queue<String> seen = new ConcurrentLinkedQueue<>();
  private TelmeshServer server;

  /** Holds the start of calls that ask for it, as a slow authentication would; notes threads. */
  private final ServerInterceptor slowStart =
      new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
          String service = call.getMethodDescriptor().getServiceName();
          seen.add(service + " start " + Thread.currentThread().getName());
          if (headers.containsKey(HOLD)) {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
              seen.add(service + " message " + Thread.currentThread().getName());
              super.onMessage(message);
            }
          };
        }
      };

  private void start() throws Exception {
    TestCertificates certificates = new TestCertificates("telmesh test CA");
    certificates.writeCa(dir.resolve("ca.crt"));
    certificates.writeServing(dir.resolve("tls.crt"), dir.resolve("tls.key"));
    server =
        new TelmeshServer(
                ServerOptions.defaults()
                    .withPorts(0, 0)
                    .withSecure(
                        new SecureServing(
                            0,
                            dir.resolve("tls.crt"),
                            dir.resolve("tls.key"),
                            Duration.ofMinutes(1),
                            SecureServing.LOOPBACK)),
                new StaticSource(BundledDemo.read(), "the demo"),
                List.of(slowStart))
            .start();
    assertThat(server.pipeline().awaitReady(Duration.ofSeconds(30))).isTrue();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.close();
    }
  }

  private ManagedChannel plaintext() {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
  }

  private ManagedChannel secure() throws Exception {
    return NettyChannelBuilder.forAddress(
            "localhost",
            server.secureXdsPort().orElseThrow(),
            TlsChannelCredentials.newBuilder().trustManager(dir.resolve("ca.crt").toFile()).build())
        .build();
  }

  private static DiscoveryRequest clusters(String pod, String ip) {
    return DiscoveryRequest.newBuilder()
        .setNode(Nodes.envoyNode(pod, "telco", ip, Map.of()))
        .setTypeUrl(TypeUrls.CLUSTER)
        .build();
  }

  @Test
  void onTheSecurePortAStreamWhoseStartWaitsHoldsUpNoOtherStreamOnItsConnection() throws Exception {
    start();
    ManagedChannel channel = secure();
    try (AdsClient client = new AdsClient(channel)) {
      Metadata hold = new Metadata();
      hold.put(HOLD, "yes");
      try (AdsClient.Sotw held = client.sotw(hold)) {
        held.send(clusters("hss-0", "10.244.2.20"));
        awaitSeen("start", 1);

        try (AdsClient.Sotw free = client.sotw()) {
          free.send(clusters("amf-0", "10.244.1.10"));
          assertThat(free.next(Duration.ofSeconds(10)))
              .as("a stream on the same connection is served while another's start waits")
              .isNotNull();
        }
        assertThat(held.drain(Duration.ZERO)).as("the held stream waits").isEmpty();

        release.countDown();
        assertThat(held.next(Duration.ofSeconds(10)))
            .as("the held stream's request waited in order, and is answered once it starts")
            .isNotNull();
      }
    }
  }

  @Test
  void onTheSecurePortCallsStartOnThePoolAndAcksRunOnTransportThreads() throws Exception {
    start();
    List<String> events = exchange(secure());
    assertThat(events).hasSize(3);
    assertThat(events.get(0)).as("the start").contains("grpc-call-");
    // The first request comes with the call's headers and may be handled in the start's run; the
    // ACK, sent after the response, is read long after it.
    assertThat(events.get(2)).as("the ACK").contains(TRANSPORT);
  }

  @Test
  void onThePlaintextPortEveryXdsCallbackRunsOnATransportThread() throws Exception {
    start();
    assertThat(exchange(plaintext()))
        .hasSize(3)
        .allSatisfy(event -> assertThat(event).contains(TRANSPORT));
  }

  /** A request, its response and the ACK on one ADS stream; the stream's events seen. */
  private List<String> exchange(ManagedChannel channel) throws Exception {
    try (AdsClient client = new AdsClient(channel);
        AdsClient.Sotw ads = client.sotw()) {
      ads.send(clusters("hss-0", "10.244.2.20"));
      DiscoveryResponse response = ads.next(Duration.ofSeconds(10));
      assertThat(response).isNotNull();
      ads.ack(response, List.of());
      awaitSeen("message", 2);
    }
    String ads = AggregatedDiscoveryServiceGrpc.SERVICE_NAME;
    return seen.stream().filter(event -> event.startsWith(ads + " ")).toList();
  }

  private void awaitSeen(String kind, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (seen.stream().filter(event -> event.contains(" " + kind + " ")).count() < count
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
