package io.telmesh.debug;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.envoyproxy.envoy.type.matcher.v3.NodeMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.telmesh.status.ProxyStatusTracker;
import io.telmesh.status.XdsEvents;
import io.telmesh.xds.ProxyCache;
import io.telmesh.xds.ProxyRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * Answers are built on the executor given, never on the thread that delivered the request (in the
 * server, a transport thread other proxies' streams wait on): nothing is answered until the
 * executor runs.
 */
class CsdsServiceTest {

  private final Queue<Runnable> answering = new ArrayDeque<>();
  private final CsdsService service =
      new CsdsService(
          new ProxyViews(
              new ProxyRegistry(),
              new ProxyStatusTracker(Clock.systemUTC(), XdsEvents.NONE),
              new ProxyCache()),
          answering::add);

  /** What a client's stream received, in order. */
  private static final class Recorded implements StreamObserver<ClientStatusResponse> {
    final List<Object> events = new ArrayList<>();

    @Override
    public void onNext(ClientStatusResponse value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      events.add(Status.fromThrowable(t).getCode());
    }

    @Override
    public void onCompleted() {
      events.add("completed");
    }
  }

  private void runAll() {
    for (Runnable task = answering.poll(); task != null; task = answering.poll()) {
      task.run();
    }
  }

  @Test
  void aFetchIsAnsweredOnTheExecutor() {
    Recorded out = new Recorded();
    service.fetchClientStatus(ClientStatusRequest.getDefaultInstance(), out);
    assertThat(out.events).isEmpty();
    runAll();
    assertThat(out.events).containsExactly(ClientStatusResponse.getDefaultInstance(), "completed");
  }

  @Test
  void aStreamsRequestsAreAnsweredOnTheExecutorInOrderAndABadMatcherEndsIt() {
    Recorded out = new Recorded();
    StreamObserver<ClientStatusRequest> in = service.streamClientStatus(out);
    ClientStatusRequest bad =
        ClientStatusRequest.newBuilder()
            .addNodeMatchers(NodeMatcher.newBuilder().setNodeId(StringMatcher.getDefaultInstance()))
            .build();
    in.onNext(ClientStatusRequest.getDefaultInstance());
    in.onNext(bad);
    in.onNext(ClientStatusRequest.getDefaultInstance());
    in.onCompleted();
    assertThat(out.events).isEmpty();
    runAll();
    assertThat(out.events)
        .containsExactly(ClientStatusResponse.getDefaultInstance(), Status.Code.INVALID_ARGUMENT);
  }
}
