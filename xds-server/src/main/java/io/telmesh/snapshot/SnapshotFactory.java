package io.telmesh.snapshot;

import io.telmesh.xds.TypeUrls;
import com.google.protobuf.Message;
import io.telmesh.translate.ProxyResources;
import io.telmesh.translate.ResourceSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Translated resources to a {@link ProxySnapshot}, reusing prepared shared segments. */
public final class SnapshotFactory {

  private final SegmentPreparer preparer = new SegmentPreparer();

  public ProxySnapshot snapshot(ProxyResources resources, long generation, Instant changedAt) {
    return new ProxySnapshot(generation, changedAt, Map.of(
        TypeUrls.LISTENER, type(TypeUrls.LISTENER, resources.listeners()),
        TypeUrls.CLUSTER, type(TypeUrls.CLUSTER, resources.clusters()),
        TypeUrls.ROUTE, type(TypeUrls.ROUTE, resources.routes()),
        TypeUrls.ENDPOINT, type(TypeUrls.ENDPOINT, resources.endpoints())));
  }

  private TypeSnapshot type(String typeUrl, ResourceSet<? extends Message> set) {
    List<PreparedSegment> segments = set.segments().stream().map(s -> preparer.prepare(s)).toList();
    return new TypeSnapshot(typeUrl, segments);
  }
}
