package io.telmesh.e2e.proxyless;

import io.telmesh.kube.KubeObjects;
import io.telmesh.source.MeshSource;
import java.util.function.Consumer;

/** A mesh source the test changes by hand, as an informer would on a watch event. */
final class MutableSource implements MeshSource {

  private volatile KubeObjects objects;
  private volatile Consumer<KubeObjects> sink;

  MutableSource(KubeObjects initial) {
    this.objects = initial;
  }

  @Override
  public void start(Consumer<KubeObjects> sink) {
    this.sink = sink;
    sink.accept(objects);
  }

  void set(KubeObjects next) {
    this.objects = next;
    sink.accept(next);
  }

  @Override
  public String describe() {
    return "the test's objects";
  }

  @Override
  public void close() {}
}
