package io.telmesh.testing;

import io.telmesh.kube.KubeObjects;
import io.telmesh.source.MeshSource;
import java.util.function.Consumer;

/** A source the test drives: each {@link #publish} is a new complete view. */
public final class ManualSource implements MeshSource {

  private volatile Consumer<KubeObjects> sink;
  private volatile KubeObjects initial;

  public ManualSource(KubeObjects initial) {
    this.initial = initial;
  }

  @Override
  public void start(Consumer<KubeObjects> sink) {
    this.sink = sink;
    if (initial != null) {
      sink.accept(initial);
    }
  }

  public void publish(KubeObjects objects) {
    initial = objects;
    if (sink != null) {
      sink.accept(objects);
    }
  }

  @Override
  public String describe() {
    return "a test source";
  }

  @Override
  public void close() {}
}
