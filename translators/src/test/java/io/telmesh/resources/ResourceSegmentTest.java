package io.telmesh.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deriving one segment from another, as an endpoint change does, and telling what it replaced. */
class ResourceSegmentTest {

  private static ClusterLoadAssignment assignment(String name, int priority) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(name)
        .addEndpoints(LocalityLbEndpoints.newBuilder().setPriority(priority))
        .build();
  }

  private final ClusterLoadAssignment a = assignment("a", 0);
  private final ClusterLoadAssignment b = assignment("b", 0);
  private final ClusterLoadAssignment c = assignment("c", 0);
  private final ResourceSegment<ClusterLoadAssignment> abc =
      ResourceSegment.of(ResourceType.ENDPOINT, List.of(c, a, b));

  @Test
  void withReplacesByNameAddsNewNamesAndLeavesTheOriginalAlone() {
    ClusterLoadAssignment newB = assignment("b", 1);
    ClusterLoadAssignment d = assignment("d", 0);

    ResourceSegment<ClusterLoadAssignment> derived = abc.with(List.of(d, newB));

    assertThat(derived.byName()).containsOnlyKeys("a", "b", "c", "d");
    assertThat(derived.byName().keySet()).containsExactly("a", "b", "c", "d");
    assertThat(derived.byName().get("b")).isSameAs(newB);
    assertThat(derived.byName().get("a")).isSameAs(a);
    assertThat(abc.byName().get("b")).isSameAs(b);
    assertThat(abc.with(List.of())).isSameAs(abc);
  }

  @Test
  void replacedSinceListsTheResourcesThatAreNotTheEarlierObjects() {
    ClusterLoadAssignment newC = assignment("c", 2);
    // Equal but rebuilt counts as replaced: identity is what tells a carried-over resource.
    ClusterLoadAssignment equalA = assignment("a", 0);

    assertThat(abc.with(List.of(newC, equalA)).replacedSince(abc))
        .hasValueSatisfying(r -> assertThat(r).containsExactly(equalA, newC));
    assertThat(abc.replacedSince(abc)).hasValueSatisfying(r -> assertThat(r).isEmpty());
  }

  @Test
  void replacedSinceIsEmptyWhenTheNamesDiffer() {
    ResourceSegment<ClusterLoadAssignment> abd =
        ResourceSegment.of(ResourceType.ENDPOINT, List.of(a, b, assignment("d", 0)));

    assertThat(abd.replacedSince(abc)).isEmpty();
    assertThat(abc.with(List.of(assignment("d", 0))).replacedSince(abc)).isEmpty();
    assertThat(ResourceSegment.of(ResourceType.ENDPOINT, List.of(a, b)).replacedSince(abc))
        .isEmpty();
  }

  @Test
  void ofRefusesTwoResourcesOfOneName() {
    assertThatThrownBy(() -> ResourceSegment.of(ResourceType.ENDPOINT, List.of(a, a)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("named a");
  }
}
