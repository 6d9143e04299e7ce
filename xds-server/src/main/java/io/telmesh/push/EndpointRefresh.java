package io.telmesh.push;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import io.telmesh.resources.ResourceType;
import io.telmesh.snapshot.PreparedSegment;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.SnapshotFactory;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.validate.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The push of an endpoint-only generation: a proxy's next snapshot is its installed one with the
 * endpoint type replaced, looked up once per distinct endpoint snapshot instead of translating,
 * assembling and validating every proxy again (istiod's incremental EDS push skips the full push
 * the same way). Listeners, clusters and routes stay the very same objects, so streams find nothing
 * else to send. Used by one thread.
 */
final class EndpointRefresh {

  /** Prepared endpoint segments of the previous generation and their replacements, by identity. */
  private final IdentityHashMap<PreparedSegment, PreparedSegment> successors;

  private final SnapshotFactory snapshots;
  private final IdentityHashMap<TypeSnapshot, Optional<TypeSnapshot>> replacements =
      new IdentityHashMap<>();

  private EndpointRefresh(
      IdentityHashMap<PreparedSegment, PreparedSegment> successors, SnapshotFactory snapshots) {
    this.successors = successors;
    this.snapshots = snapshots;
  }

  /**
   * Present when {@code translation} changed only endpoints since the one it was prepared from.
   * Replacement segments Envoy would judge differently are left out, so the proxies holding them
   * are translated and validated as usual.
   */
  static Optional<EndpointRefresh> of(
      MeshTranslation translation,
      SnapshotFactory snapshots,
      Function<ProxyResources, List<Violation>> validator) {
    return translation
        .endpointSuccessors()
        .map(
            segments -> {
              IdentityHashMap<PreparedSegment, PreparedSegment> prepared = new IdentityHashMap<>();
              segments.forEach(
                  (before, after) -> {
                    if (judgedAlike(before, after, validator)) {
                      prepared.put(snapshots.prepare(before), snapshots.prepare(after));
                    }
                  });
              return new EndpointRefresh(prepared, snapshots);
            });
  }

  /**
   * Whether a proxy's verdict stays the same with {@code after} in place of {@code before}: the
   * rules across resources see an assignment's name only, so with the same names and nothing wrong
   * inside the assignments {@code after} does not share with {@code before}, nothing Envoy checks
   * has changed. (The shared ones were judged with {@code before}: a proxy that held a wrong one
   * had problems, and is translated anyway.) Both are walked once, in name order, so an endpoint
   * change checks what it changed rather than every assignment.
   */
  private static boolean judgedAlike(
      ResourceSegment<ClusterLoadAssignment> before,
      ResourceSegment<ClusterLoadAssignment> after,
      Function<ProxyResources, List<Violation>> validator) {
    return after
        .replacedSince(before)
        .map(
            changed ->
                changed.isEmpty()
                    || validator
                        .apply(
                            new ProxyResources(
                                ResourceSet.of(),
                                ResourceSet.of(),
                                ResourceSet.of(),
                                ResourceSet.of(ResourceSegment.of(ResourceType.ENDPOINT, changed)),
                                List.of(),
                                List.of()))
                        .isEmpty())
        .orElse(false);
  }

  /**
   * The proxy's next snapshot, or empty when its endpoints are not segments this change replaces (a
   * last good version held back, a variant first built after the change).
   */
  Optional<ProxySnapshot> next(ProxySnapshot installed, long generation, Instant changedAt) {
    return replacements
        .computeIfAbsent(installed.type(TypeUrls.ENDPOINT), this::replacement)
        .map(endpoints -> installed.with(endpoints, generation, changedAt));
  }

  private Optional<TypeSnapshot> replacement(TypeSnapshot before) {
    List<PreparedSegment> segments = new ArrayList<>(before.segments().size());
    for (PreparedSegment segment : before.segments()) {
      PreparedSegment after = successors.get(segment);
      if (after == null) {
        return Optional.empty();
      }
      segments.add(after);
    }
    return Optional.of(snapshots.type(before.typeUrl(), segments));
  }
}
