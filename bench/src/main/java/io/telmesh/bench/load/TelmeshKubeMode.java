package io.telmesh.bench.load;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.source.KubernetesSource;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * telmesh as {@code serve --kubeconfig} runs it: its informers on a real API server holding the
 * mesh, {@code serve}'s default debounce, the endpoint change written through the API. The mode
 * istiod is measured against, so that both servers pay for the same watch path.
 */
final class TelmeshKubeMode implements BenchServer.Mode {

  private final ApiServerMesh mesh;
  private final TelmeshServer server;
  private final StageWindow stages;

  TelmeshKubeMode(KubeObjects objects) throws Exception {
    mesh = ApiServerMesh.start(objects);
    try {
      ServerOptions defaults = ServerOptions.defaults();
      KubernetesSource source =
          new KubernetesSource(
              new KubernetesClientBuilder()
                  .withConfig(Config.fromKubeconfig(Files.readString(mesh.kubeconfig())))
                  .build(),
              Optional.empty());
      server =
          new TelmeshServer(
                  new ServerOptions(
                      "127.0.0.1",
                      0,
                      0,
                      defaults.debounceQuiet(),
                      defaults.debounceMax(),
                      defaults.sendThreads()),
                  source,
                  List.of())
              .start();
      if (!server.pipeline().awaitReady(Duration.ofMinutes(5))) {
        throw new IllegalStateException("telmesh did not get ready on the API server's mesh");
      }
    } catch (Exception e) {
      mesh.close();
      throw e;
    }
    stages = new StageWindow(server.metrics().registry());
  }

  @Override
  public int port() {
    return server.xdsPort();
  }

  @Override
  public Instant change(int change) {
    return mesh.flip(change);
  }

  @Override
  public Optional<StageWindow> stages() {
    return Optional.of(stages);
  }

  @Override
  public void close() {
    server.close();
    mesh.close();
  }
}
