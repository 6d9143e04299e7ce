package io.telmesh.source;

import io.telmesh.kube.KubeObjects;
import java.util.function.Consumer;

/** A fixed set of objects, delivered once (the bundled demo). */
public final class StaticSource implements MeshSource {

  private final KubeObjects objects;
  private final String description;

  public StaticSource(KubeObjects objects, String description) {
    this.objects = objects;
    this.description = description;
  }

  public static StaticSource bundledDemo() {
    return new StaticSource(BundledDemo.read(), "the bundled telco demo mesh (examples/telco)");
  }

  @Override
  public void start(Consumer<KubeObjects> sink) {
    sink.accept(objects);
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void close() {}
}
