package io.telmesh.testing;

import io.telmesh.kube.KubeObjects;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.status.ProxyStatusTracker;
import java.time.Duration;
import java.util.function.Predicate;

/** A real telmesh server on loopback (free ports), fed by a {@link ManualSource}. */
public final class TestServer implements AutoCloseable {

  public final ManualSource source;
  public final TelmeshServer server;

  public TestServer(KubeObjects objects) throws Exception {
    source = new ManualSource(objects);
    ServerOptions options =
        new ServerOptions("127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2);
    server = new TelmeshServer(options, source).start();
    if (!server.pipeline().awaitReady(Duration.ofSeconds(30))) {
      throw new IllegalStateException("server not ready");
    }
  }

  public int port() {
    return server.xdsPort();
  }

  public AdsClient client() {
    return new AdsClient(port());
  }

  /**
   * Waits (up to 20 s) until a node's status of one type satisfies the condition: a client's answer
   * is handled on its stream's own executor, a moment after the client sent it.
   */
  public void await(
      String nodeId, String typeUrl, Predicate<ProxyStatusTracker.TypeStatus> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      ProxyStatusTracker.TypeStatus status = server.tracker().status(nodeId).get(typeUrl);
      if (status != null && condition.test(status)) {
        return;
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
