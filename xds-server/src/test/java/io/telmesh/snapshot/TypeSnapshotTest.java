package io.telmesh.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceType;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TypeSnapshot#changedSince} on small cluster segments. A delta stream sends exactly these
 * names (and removes those gone), so a name missing here is a change a proxy never hears of.
 */
class TypeSnapshotTest {

  // Segments are compared by identity: each constant is one object, reused where a row shares it.
  private static final PreparedSegment A = segment(cluster("a1", 1), cluster("a2", 1));
  private static final PreparedSegment A_COPY = segment(cluster("a1", 1), cluster("a2", 1));
  private static final PreparedSegment A2_CHANGED = segment(cluster("a1", 1), cluster("a2", 2));
  private static final PreparedSegment A3_ADDED =
      segment(cluster("a1", 1), cluster("a2", 1), cluster("a3", 1));
  private static final PreparedSegment A2_REMOVED = segment(cluster("a1", 1));
  private static final PreparedSegment B = segment(cluster("b1", 1), cluster("b2", 1));
  private static final PreparedSegment B_COPY = segment(cluster("b1", 1), cluster("b2", 1));
  private static final PreparedSegment C = segment(cluster("c1", 1));

  record Row(
      String name,
      List<PreparedSegment> before,
      List<PreparedSegment> after,
      Set<String> expectedChanged) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row(
            "the same segment objects: nothing changed", List.of(A, B), List.of(A, B), Set.of()),
        new Row(
            "equal content in new segment objects: nothing changed",
            List.of(A, B),
            List.of(A_COPY, B_COPY),
            Set.of()),
        new Row(
            "one resource changed: its name only",
            List.of(A, B),
            List.of(A2_CHANGED, B),
            Set.of("a2")),
        new Row("a resource added: its name", List.of(A, B), List.of(A3_ADDED, B), Set.of("a3")),
        new Row(
            "a resource removed: its name", List.of(A, B), List.of(A2_REMOVED, B), Set.of("a2")),
        new Row(
            "a segment added: its names; the shared segment is skipped though the shape differs",
            List.of(A),
            List.of(A, B),
            Set.of("b1", "b2")),
        new Row("a segment removed: its names", List.of(A, B), List.of(A), Set.of("b1", "b2")),
        new Row(
            "different shape, nothing shared: every name on either side",
            List.of(A),
            List.of(A2_CHANGED, C),
            Set.of("a1", "a2", "c1")),
        new Row(
            "reordered new objects: every name of the differing segments",
            List.of(A, B),
            List.of(B_COPY, A_COPY),
            Set.of("a1", "a2", "b1", "b2")),
        new Row("reordered same objects: nothing changed", List.of(A, B), List.of(B, A), Set.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void changedSince(Row row) {
    TypeSnapshot before = new TypeSnapshot(TypeUrls.CLUSTER, row.before());
    TypeSnapshot after = new TypeSnapshot(TypeUrls.CLUSTER, row.after());

    assertThat(after.changedSince(before)).isEqualTo(row.expectedChanged());
    // Memoised per earlier snapshot: asking again answers the same.
    assertThat(after.changedSince(before)).isEqualTo(row.expectedChanged());
  }

  @Test
  void aSnapshotHasNotChangedSinceItself() {
    TypeSnapshot snapshot = new TypeSnapshot(TypeUrls.CLUSTER, List.of(A2_CHANGED, C));

    assertThat(snapshot.changedSince(snapshot)).isEmpty();
  }

  /**
   * Same number of segments, one shared segment moved and another replaced: segments are paired by
   * position, the shared one is skipped wherever it is, so the segment that went away is never
   * compared with anything.
   */
  @Test
  void aSharedSegmentMovingDoesNotHideTheRemovalOfAnother() {
    TypeSnapshot before = new TypeSnapshot(TypeUrls.CLUSTER, List.of(A, B));
    TypeSnapshot after = new TypeSnapshot(TypeUrls.CLUSTER, List.of(C, A));

    assertThat(after.changedSince(before)).contains("b1", "b2", "c1");
  }

  private static Cluster cluster(String name, int connectTimeoutSeconds) {
    return Cluster.newBuilder()
        .setName(name)
        .setConnectTimeout(Durations.fromSeconds(connectTimeoutSeconds))
        .build();
  }

  private static PreparedSegment segment(Cluster... clusters) {
    return PreparedSegment.prepare(
        ResourceSegment.of(ResourceType.CLUSTER, Arrays.asList(clusters)));
  }
}
