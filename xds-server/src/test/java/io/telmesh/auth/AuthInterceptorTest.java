package io.telmesh.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The secure port's authentication, which runs off the transport thread: what happens to a call
 * whose authentication fails unexpectedly or whose caller leaves meanwhile. Real gRPC over
 * loopback, in gRPC's direct mode as the secure port runs.
 */
class AuthInterceptorTest {

  /** One thread: a call's authentication, and its start, are over before the next call's begin. */
  private final ExecutorService pool = Executors.newSingleThreadExecutor();

  private final Queue<String> refused = new ConcurrentLinkedQueue<>();
  private final Queue<String> started = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Context> callContext = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;

  private static final Identity TESTER =
      new Identity("tester", Set.of(), Optional.empty(), Optional.empty(), "test");

  /** The health service behind {@code authenticator}, noting the calls that reach it. */
  private HealthGrpc.HealthBlockingStub serve(Authenticator authenticator) throws Exception {
    ServerInterceptor noteStart =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            started.add(AuthInterceptor.caller().map(Identity::user).orElse("nobody"));
            return next.startCall(call, headers);
          }
        };
    ServerInterceptor noteContext =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            callContext.set(Context.current());
            return Contexts.interceptCall(Context.current(), call, headers, next);
          }
        };
    HealthStatusManager health = new HealthStatusManager();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    health.getHealthService(),
                    noteStart,
                    new AuthInterceptor(List.of(authenticator), refused::add, pool),
                    noteContext))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
    pool.shutdownNow();
  }

  @Test
  void anAuthenticatedCallStartsAsItsCaller() throws Exception {
    HealthCheckResponse response =
        serve((headers, transport) -> Optional.of(TESTER))
            .check(HealthCheckRequest.getDefaultInstance());

    assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(started).containsExactly("tester");
    assertThat(refused).isEmpty();
  }

  @Test
  void aCallerWithoutCredentialsIsRefusedAndNeverStarted() throws Exception {
    HealthGrpc.HealthBlockingStub health = serve((headers, transport) -> Optional.empty());

    assertThatThrownBy(() -> health.check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(started).isEmpty();
    assertThat(refused).containsExactly("UNAUTHENTICATED");
  }

  @Test
  void anAuthenticatorThatBreaksEndsTheCallInsteadOfLeavingItHanging() throws Exception {
    HealthGrpc.HealthBlockingStub health =
        serve(
            (headers, transport) -> {
              throw new IllegalStateException("the API server client is closed");
            });

    assertThatThrownBy(() -> health.check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription()).isEqualTo("authentication failed");
            });
    assertThat(started).isEmpty();
    assertThat(refused).containsExactly("INTERNAL");
  }

  @Test
  void aCallerThatLeavesWhileBeingAuthenticatedIsNeverStarted() throws Exception {
    CountDownLatch authenticating = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    HealthGrpc.HealthBlockingStub health =
        serve(
            (headers, transport) -> {
              authenticating.countDown();
              try {
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Optional.of(TESTER);
            });
    var call =
        channel.newCall(HealthGrpc.getCheckMethod(), health.getCallOptions().withWaitForReady());
    var unused = ClientCalls.futureUnaryCall(call, HealthCheckRequest.getDefaultInstance());
    assertThat(authenticating.await(10, TimeUnit.SECONDS)).isTrue();

    call.cancel("the proxy went away", null);
    CountDownLatch cancelled = new CountDownLatch(1);
    callContext.get().addListener(context -> cancelled.countDown(), Runnable::run);
    assertThat(cancelled.await(10, TimeUnit.SECONDS)).as("the server saw the cancel").isTrue();
    release.countDown();

    // The first call's start, had it happened, comes before the second's on the one thread.
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(started).containsExactly("tester");
    assertThat(refused).isEmpty();
  }
}
