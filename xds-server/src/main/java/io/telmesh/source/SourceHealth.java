package io.telmesh.source;

import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Whether a source can currently see what it serves. While it cannot, the last good view stays
 * served: readiness keeps meaning "can serve config", and this says why the config may be old.
 *
 * @param unreachableSince when the source stopped answering; empty while it answers
 * @param unreachableReason the error it answers with (connection refused, a timeout)
 * @param failing per resource that cannot be listed or watched (a missing permission, a CRD not
 *     installed), why
 */
public record SourceHealth(
    Optional<Instant> unreachableSince,
    String unreachableReason,
    SortedMap<String, String> failing) {

  public static final SourceHealth OK = new SourceHealth(Optional.empty(), "", new TreeMap<>());

  public SourceHealth {
    failing = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(failing));
  }

  public boolean reachable() {
    return unreachableSince.isEmpty();
  }

  /** One problem per thing wrong, for {@code /debug/problems} and the mesh page. */
  public List<Problem> problems(String sourceName) {
    List<Problem> problems = new ArrayList<>();
    unreachableSince.ifPresent(
        since ->
            problems.add(
                Problem.of(
                    new ObjectRef("Source", "", sourceName),
                    "",
                    "unreachable since "
                        + since
                        + " ("
                        + unreachableReason
                        + "); the last good view stays served")));
    failing.forEach(
        (resource, reason) ->
            problems.add(
                Problem.of(
                    new ObjectRef("Source", "", sourceName),
                    resource,
                    reason + "; the last good view of it stays served")));
    return problems;
  }
}
