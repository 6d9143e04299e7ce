package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/**
 * Responses go to gRPC only while the call is ready and the server-wide send budget has room; a
 * stream that waits for room is resumed in turn when another's bytes are written or its call ends.
 * gRPC's side is a stand-in here, since a real transport on loopback takes megabytes before a call
 * stops being ready; {@code SendBufferTest} runs the same code through real gRPC.
 */
class ResponseStreamTest {

  /** Runs what it is given only when asked, as a stream's serial executor would, later. */
  static final class LaterExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }
  }

  /** A call whose transport stops being ready once a message over the threshold is queued. */
  static final class Call extends ServerCallStreamObserver<DiscoveryResponse> {
    static final int THRESHOLD = 50;
    final List<DiscoveryResponse> sent = new ArrayList<>();
    boolean ready = true;
    boolean cancelled;
    Runnable onReady;
    Runnable onCancel;

    @Override
    public void onNext(DiscoveryResponse value) {
      sent.add(value);
      if (value.getSerializedSize() > THRESHOLD) {
        ready = false;
      }
    }

    /** gRPC wrote what it held: the call is ready again and says so. */
    void written() {
      ready = true;
      onReady.run();
    }

    void cancel() {
      cancelled = true;
      onCancel.run();
    }

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
      onReady = handler;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
      onCancel = handler;
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    @Override
    public void setCompression(String compression) {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void disableAutoInboundFlowControl() {}
  }

  private static DiscoveryResponse response(String nonce, int padding) {
    return DiscoveryResponse.newBuilder()
        .setNonce(nonce)
        .setVersionInfo("v".repeat(padding))
        .build();
  }

  private final LaterExecutor serial = new LaterExecutor();

  @Test
  void aSecondStreamWaitsForRoomAndGoesWhenTheFirstStreamsBytesAreWritten() {
    DiscoveryResponse big = response("a1", 80);
    int size = big.getSerializedSize();
    SendBudget budget = new SendBudget(size + size / 2);
    Call a = new Call();
    Call b = new Call();
    ResponseStream<DiscoveryResponse> streamA =
        new ResponseStream<>(a, DiscoveryResponse::getSerializedSize, budget, serial);
    ResponseStream<DiscoveryResponse> streamB =
        new ResponseStream<>(b, DiscoveryResponse::getSerializedSize, budget, serial);

    streamA.onNext(big);
    streamB.onNext(response("b1", 80));
    serial.runAll();

    assertThat(a.sent).extracting(DiscoveryResponse::getNonce).containsExactly("a1");
    assertThat(b.sent).as("no room for the second response").isEmpty();
    assertThat(budget.inFlight()).isEqualTo(size);
    assertThat(budget.waiting()).isEqualTo(1);

    a.written();
    assertThat(b.sent).as("resumed on its own executor, not on A's thread").isEmpty();
    serial.runAll();
    assertThat(b.sent).extracting(DiscoveryResponse::getNonce).containsExactly("b1");
    assertThat(budget.inFlight()).isEqualTo(size);
    assertThat(budget.waiting()).isZero();

    b.written();
    assertThat(budget.inFlight()).isZero();
  }

  @Test
  void aCallThatIsNotReadyKeepsItsResponsesInOrderUntilItIs() {
    SendBudget budget = new SendBudget(1 << 20);
    Call a = new Call();
    ResponseStream<DiscoveryResponse> stream =
        new ResponseStream<>(a, DiscoveryResponse::getSerializedSize, budget, serial);

    stream.onNext(response("1", 80));
    stream.onNext(response("2", 10));
    stream.onNext(response("3", 80));
    assertThat(a.sent).extracting(DiscoveryResponse::getNonce).containsExactly("1");
    assertThat(stream.queued()).isEqualTo(2);

    a.written();
    assertThat(a.sent)
        .as("a small response leaves the call ready, so the next follows at once")
        .extracting(DiscoveryResponse::getNonce)
        .containsExactly("1", "2", "3");
    assertThat(budget.inFlight())
        .as("only the last, unwritten response still counts")
        .isEqualTo(response("3", 80).getSerializedSize());
  }

  @Test
  void oneResponseLargerThanTheWholeBudgetStillGoesWhenNothingElseIsInFlight() {
    SendBudget budget = new SendBudget(10);
    Call a = new Call();
    new ResponseStream<>(a, DiscoveryResponse::getSerializedSize, budget, serial)
        .onNext(response("huge", 500));
    assertThat(a.sent).hasSize(1);
  }

  @Test
  void aCancelledCallGivesItsRoomBackAndAGrantArrivingAfterItsEndIsReturned() {
    DiscoveryResponse big = response("a1", 80);
    int size = big.getSerializedSize();
    SendBudget budget = new SendBudget(size);
    Call a = new Call();
    Call b = new Call();
    Call c = new Call();
    ResponseStream<DiscoveryResponse> streamA =
        new ResponseStream<>(a, DiscoveryResponse::getSerializedSize, budget, serial);
    ResponseStream<DiscoveryResponse> streamB =
        new ResponseStream<>(b, DiscoveryResponse::getSerializedSize, budget, serial);
    ResponseStream<DiscoveryResponse> streamC =
        new ResponseStream<>(c, DiscoveryResponse::getSerializedSize, budget, serial);
    List<String> cancelled = new ArrayList<>();
    streamB.onCancel(() -> cancelled.add("b"));

    streamA.onNext(big);
    streamB.onNext(response("b1", 80));
    streamC.onNext(response("c1", 80));
    assertThat(budget.waiting()).isEqualTo(2);

    a.cancel(); // A's bytes go with its call: B is granted room...
    b.cancel(); // ...but ends before its executor takes the grant up
    assertThat(cancelled).containsExactly("b");
    serial.runAll();

    assertThat(b.sent).isEmpty();
    assertThat(c.sent)
        .as("B's grant, returned, lets C go")
        .extracting(DiscoveryResponse::getNonce)
        .containsExactly("c1");
    c.written();
    assertThat(budget.inFlight()).isZero();
    assertThat(budget.waiting()).isZero();
  }

  @Test
  void bytesAProxyDoesNotReadForTooLongStopHoldingBackTheOthersAndCountAsStalled() {
    DiscoveryResponse big = response("a1", 80);
    int size = big.getSerializedSize();
    SendBudget budget = new SendBudget(size);
    Call a = new Call();
    Call b = new Call();
    ResponseStream<DiscoveryResponse> streamA =
        new ResponseStream<>(a, DiscoveryResponse::getSerializedSize, budget, serial);
    ResponseStream<DiscoveryResponse> streamB =
        new ResponseStream<>(b, DiscoveryResponse::getSerializedSize, budget, serial);
    long start = System.nanoTime();
    long patience = java.time.Duration.ofSeconds(30).toNanos();

    streamA.onNext(big);
    streamB.onNext(response("b1", 80));
    assertThat(streamA.writeOffIfStalled(start, patience)).as("not stalled yet").isZero();
    assertThat(streamB.writeOffIfStalled(start + 2 * patience, patience))
        .as("holds nothing")
        .isZero();

    assertThat(streamA.writeOffIfStalled(System.nanoTime() + patience, patience)).isEqualTo(size);
    serial.runAll();
    assertThat(b.sent).extracting(DiscoveryResponse::getNonce).containsExactly("b1");
    assertThat(budget.stalled()).isEqualTo(size);
    assertThat(budget.inFlight()).as("B's only").isEqualTo(size);

    a.written();
    assertThat(budget.stalled()).as("read at last").isZero();
    assertThat(budget.inFlight()).isEqualTo(size);
  }
}
