package io.telmesh.testing;

import io.telmesh.kube.KubeObjects;
import io.telmesh.server.TelmeshServer;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real telmesh server on loopback for each test, fed by a {@link ManualSource}, with a raw ADS
 * client to it: {@code @RegisterExtension final ServerExtension server = ServerExtension.demo();}.
 */
public final class ServerExtension implements BeforeEachCallback, AfterEachCallback {

  private final Supplier<KubeObjects> mesh;
  private KubeObjects objects;
  private TestServer server;
  private AdsClient client;

  private ServerExtension(Supplier<KubeObjects> mesh) {
    this.mesh = mesh;
  }

  /** Serves the bundled demo mesh (examples/telco). */
  public static ServerExtension demo() {
    return new ServerExtension(() -> Meshes.objects(Meshes.demoDir()));
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    objects = mesh.get();
    server = new TestServer(objects);
    client = server.client();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** The objects the server started with. */
  public KubeObjects objects() {
    return objects;
  }

  /** A complete new view of the mesh, as a source change. */
  public void publish(KubeObjects next) {
    server.source.publish(next);
  }

  public TelmeshServer telmesh() {
    return server.server;
  }

  public AdsClient client() {
    return client;
  }
}
