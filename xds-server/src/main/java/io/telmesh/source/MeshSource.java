package io.telmesh.source;

import io.telmesh.kube.KubeObjects;
import java.util.function.Consumer;

/**
 * Something that knows the mesh's Kubernetes objects and tells a sink each time its view changes.
 * Every call hands over the complete current view; a source never hands over a partial one (an API
 * error keeps the last good view).
 */
public interface MeshSource extends AutoCloseable {

  /** Starts delivering views to the sink, from the source's own threads. */
  void start(Consumer<KubeObjects> sink) throws SourceException;

  /** What the source cannot see right now; always healthy for sources that cannot fail. */
  default SourceHealth health() {
    return SourceHealth.OK;
  }

  /** One line for operators: what is being served. */
  String describe();

  @Override
  void close();
}
