package io.telmesh.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubscriptionTest {

  @Test
  void namesAreSortedDistinctAndShared() {
    Subscription a = Subscription.of(List.of("b", "a", "b"));
    Subscription b = Subscription.of(List.of("a", "b"));
    assertThat(a.names()).contains(List.of("a", "b"));
    assertThat(a.names().orElseThrow()).isSameAs(b.names().orElseThrow());
  }

  @Test
  void sameNamesOnlyForTheSameListInTheSameOrder() {
    Subscription named = Subscription.of(List.of("a", "b", "c"));
    assertThat(named.sameNames(List.of("a", "b", "c"))).isTrue();
    assertThat(named.sameNames(List.of("a", "c", "b"))).as("another order").isFalse();
    assertThat(named.sameNames(List.of("a", "b"))).isFalse();
    assertThat(named.sameNames(List.of("a", "b", "d"))).isFalse();
    assertThat(Subscription.WILDCARD.sameNames(List.of())).as("the wildcard has no list").isFalse();
    assertThat(Subscription.of(List.of()).sameNames(List.of())).isTrue();
  }
}
