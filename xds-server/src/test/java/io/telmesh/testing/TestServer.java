package io.telmesh.testing;

import io.telmesh.kube.KubeObjects;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import java.time.Duration;

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

  @Override
  public void close() {
    server.close();
  }
}
