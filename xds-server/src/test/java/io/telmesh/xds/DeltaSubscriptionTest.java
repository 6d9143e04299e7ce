package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The xDS protocol's rules for incremental subscriptions ("How the client specifies what resources
 * to return", "Unsubscribing From Resources"), one case per rule.
 */
class DeltaSubscriptionTest {

  private static DeltaSubscription first(List<String> subscribe) {
    return DeltaSubscription.first(subscribe, List.of(), Map.of());
  }

  @Test
  void aFirstRequestNamingNothingIsAWildcardSubscription() {
    DeltaSubscription s = first(List.of());
    assertThat(s.wildcard()).isTrue();
    assertThat(s.includes("anything")).isTrue();
    assertThat(s.names()).isEmpty();
  }

  @Test
  void aFirstRequestNamingResourcesSubscribesToThoseOnlyAndOwesThemAll() {
    DeltaSubscription s = first(List.of("a", "b"));
    assertThat(s.wildcard()).isFalse();
    assertThat(s.includes("a")).isTrue();
    assertThat(s.includes("c")).isFalse();
    assertThat(s.owed("a")).isTrue();
    assertThat(s.owed("b")).isTrue();
  }

  @Test
  void aStarInTheFirstRequestIsTheWildcardToo() {
    DeltaSubscription s = first(List.of("*"));
    assertThat(s.wildcard()).isTrue();
    assertThat(s.names()).as("* is not a resource name").isEmpty();
  }

  @Test
  void aLaterRequestNamingNothingChangesNothing() {
    DeltaSubscription named = first(List.of("a"));
    named.responded();
    named.change(List.of(), List.of());
    assertThat(named.wildcard())
        .as("only a stream's first request can be a legacy wildcard")
        .isFalse();
    assertThat(named.names()).containsExactly("a");
    assertThat(named.owed("a")).isFalse();

    DeltaSubscription wildcard = first(List.of());
    wildcard.change(List.of(), List.of());
    assertThat(wildcard.wildcard()).isTrue();
  }

  @Test
  void subscribingToTheWildcardLaterKeepsTheNamesAndOwesEveryUnnamedResource() {
    DeltaSubscription s = first(List.of("a"));
    s.responded();
    s.change(List.of("*"), List.of());
    assertThat(s.wildcard()).isTrue();
    assertThat(s.names()).containsExactly("a");
    assertThat(s.owesEverything()).isTrue();
    assertThat(s.owed("b")).as("never sent: the wildcard brings it").isTrue();
    assertThat(s.owed("a")).as("the client holds it already").isFalse();
    s.responded();
    assertThat(s.owesEverything()).isFalse();
  }

  @Test
  void aWildcardStreamSubscribingANameIsToldWhenThatNameDoesNotExist() {
    DeltaSubscription s = first(List.of());
    s.responded();
    s.change(List.of("on-demand"), List.of());
    assertThat(s.owed("on-demand")).isTrue();
    assertThat(s.reportMissing("on-demand")).as("said once").isTrue();
    assertThat(s.reportMissing("on-demand")).as("not again on the next push").isFalse();
    assertThat(s.reportMissing("never-named"))
        .as("wildcard resources are not reported missing")
        .isFalse();
  }

  @Test
  void aWildcardStreamUnsubscribingANameIsOwedItAgainThroughTheWildcard() {
    DeltaSubscription s = first(List.of("*", "a"));
    s.responded();
    s.change(List.of(), List.of("a"));
    assertThat(s.names()).isEmpty();
    assertThat(s.includes("a")).as("the wildcard still covers it").isTrue();
    assertThat(s.owed("a")).as("the client dropped it on unsubscribing").isTrue();
  }

  @Test
  void unsubscribingTheWildcardKeepsTheExplicitNames() {
    DeltaSubscription s = first(List.of("*", "a"));
    s.responded();
    s.change(List.of(), List.of("*"));
    assertThat(s.wildcard()).isFalse();
    assertThat(s.includes("a")).isTrue();
    assertThat(s.includes("b")).isFalse();
  }

  @Test
  void unsubscribingANameNeverSubscribedChangesNothing() {
    DeltaSubscription s = first(List.of("a"));
    s.responded();
    s.change(List.of(), List.of("never"));
    assertThat(s.names()).containsExactly("a");
    assertThat(s.includes("never")).isFalse();
    assertThat(s.owed("never")).isFalse();
    assertThat(s.owedNames()).isEmpty();

    DeltaSubscription wildcard = first(List.of());
    wildcard.responded();
    wildcard.change(List.of(), List.of("never"));
    assertThat(wildcard.owed("never")).as("not a name the client held by subscription").isFalse();
  }

  @Test
  void subscribingANameAgainOwesNothing() {
    DeltaSubscription s = first(List.of("a"));
    s.responded();
    s.change(List.of("a"), List.of());
    assertThat(s.owed("a")).isFalse();
  }

  @Test
  void aReconnectingClientIsNotOwedWhatItSaysItHolds() {
    DeltaSubscription s = DeltaSubscription.first(List.of("a", "b"), List.of(), Map.of("a", "v1"));
    assertThat(s.owed("a")).isFalse();
    assertThat(s.initialVersion("a")).isEqualTo("v1");
    assertThat(s.owed("b")).isTrue();
    s.responded();
    assertThat(s.initialVersion("a")).as("the first response accounts for the reconnect").isNull();
  }

  @Test
  void aResubscribedNameIsReportedMissingAgain() {
    DeltaSubscription s = first(List.of("gone"));
    assertThat(s.reportMissing("gone")).isTrue();
    s.change(List.of(), List.of("gone"));
    s.change(List.of("gone"), List.of());
    assertThat(s.reportMissing("gone")).isTrue();
    s.exists("gone");
    assertThat(s.reportMissing("gone")).as("it existed in between").isTrue();
  }

  @Test
  void aRefusedResponseOwesAgainWhatIsStillSubscribed() {
    DeltaSubscription s = first(List.of("a", "b"));
    DeltaSubscription.Owed owed = s.responded();
    assertThat(owed.names()).containsExactlyInAnyOrder("a", "b");
    s.change(List.of(), List.of("b"));
    s.refused(owed);
    assertThat(s.owed("a")).isTrue();
    assertThat(s.owed("b")).as("unsubscribed meanwhile").isFalse();
  }

  @Test
  void whatAFirstRequestOwesIsSharedWithTheSubscriptionUntilAChangeMakesItTheStreamsOwn() {
    DeltaSubscription s = first(List.of("c", "a", "b"));
    DeltaSubscription other = first(List.of("b", "c", "a"));
    assertThat(s.owedNames()).containsExactlyInAnyOrder("a", "b", "c");
    assertThat(s.owedNames()).isEqualTo(other.owedNames());

    s.change(List.of("d"), List.of("b"));
    assertThat(s.owed("b")).as("unsubscribed before it was sent").isFalse();
    assertThat(other.owed("b")).as("another stream's debt is its own").isTrue();
    assertThat(s.owedNames()).containsExactlyInAnyOrder("a", "c", "d");

    DeltaSubscription.Owed owed = other.responded();
    assertThat(other.owed("a")).isFalse();
    other.refused(owed);
    assertThat(other.owedNames()).containsExactlyInAnyOrder("a", "b", "c");
  }
}
