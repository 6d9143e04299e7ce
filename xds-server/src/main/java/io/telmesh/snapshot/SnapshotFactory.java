package io.telmesh.snapshot;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Message;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Translated resources to a {@link ProxySnapshot}, reusing prepared shared segments, and sharing
 * one {@link TypeSnapshot} between every proxy whose resources of a type are the same segments (all
 * proxies' endpoints, a namespace's routes), so per-type work (versions, diffs) is done once.
 */
public final class SnapshotFactory {

  private final SegmentPreparer preparer = new SegmentPreparer();
  private final Cache<SegmentList, TypeSnapshot> shared =
      CacheBuilder.newBuilder().weakValues().build();

  /** A list of segments compared by identity. */
  private record SegmentList(String typeUrl, List<PreparedSegment> segments) {
    @Override
    public boolean equals(Object other) {
      if (!(other instanceof SegmentList that)
          || !typeUrl.equals(that.typeUrl)
          || segments.size() != that.segments.size()) {
        return false;
      }
      for (int i = 0; i < segments.size(); i++) {
        if (segments.get(i) != that.segments.get(i)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      int hash = typeUrl.hashCode();
      for (PreparedSegment segment : segments) {
        hash = 31 * hash + System.identityHashCode(segment);
      }
      return hash;
    }
  }

  public ProxySnapshot snapshot(ProxyResources resources, long generation, Instant changedAt) {
    return new ProxySnapshot(
        generation,
        changedAt,
        Map.of(
            TypeUrls.LISTENER, type(TypeUrls.LISTENER, resources.listeners()),
            TypeUrls.CLUSTER, type(TypeUrls.CLUSTER, resources.clusters()),
            TypeUrls.ROUTE, type(TypeUrls.ROUTE, resources.routes()),
            TypeUrls.ENDPOINT, type(TypeUrls.ENDPOINT, resources.endpoints())));
  }

  /** A segment serialized and versioned, once per segment object. */
  public PreparedSegment prepare(ResourceSegment<? extends Message> segment) {
    return preparer.prepare(segment);
  }

  /** The type snapshot of these segments, shared by every proxy with the same ones. */
  public TypeSnapshot type(String typeUrl, List<PreparedSegment> segments) {
    try {
      return shared.get(
          new SegmentList(typeUrl, segments), () -> new TypeSnapshot(typeUrl, segments));
    } catch (ExecutionException e) {
      throw new IllegalStateException("building a type snapshot cannot fail", e.getCause());
    }
  }

  private TypeSnapshot type(String typeUrl, ResourceSet<? extends Message> set) {
    return type(typeUrl, set.segments().stream().map(s -> preparer.prepare(s)).toList());
  }
}
