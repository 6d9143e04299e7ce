package io.telmesh.xds;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Message;
import io.telmesh.translate.ResourceSegment;
import java.util.concurrent.ExecutionException;

/**
 * Prepares segments once per segment object: shared outbound segments are the same object for
 * every proxy of a mesh state, so they are serialized and hashed once, not once per proxy. Weak,
 * identity-keyed: a mesh state's segments go when nothing references them.
 */
public final class SegmentPreparer {

  private final Cache<ResourceSegment<?>, PreparedSegment> prepared =
      CacheBuilder.newBuilder().weakKeys().build();

  public PreparedSegment prepare(ResourceSegment<? extends Message> segment) {
    try {
      return prepared.get(segment, () -> PreparedSegment.prepare(segment));
    } catch (ExecutionException e) {
      throw new IllegalStateException("preparing a segment cannot fail", e.getCause());
    }
  }
}
