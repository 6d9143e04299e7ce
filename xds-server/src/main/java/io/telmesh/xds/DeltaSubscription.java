package io.telmesh.xds;

import io.telmesh.snapshot.Subscription;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a delta (incremental) xDS client subscribes to for one type on one stream, and what it is
 * owed because of that, kept by the protocol's rules:
 *
 * <ul>
 *   <li>a first request naming nothing is a wildcard subscription (the legacy spelling of {@code
 *       *}); a later request naming nothing changes nothing;
 *   <li>{@code *} subscribes to and unsubscribes from the wildcard; explicit names are kept beside
 *       it, so they survive the wildcard being dropped;
 *   <li>a client drops a resource it unsubscribes from; if the wildcard still covers it, it is owed
 *       again; turning the wildcard on owes every resource not named before;
 *   <li>unsubscribing a name that was never subscribed changes nothing;
 *   <li>a newly named resource that does not exist is reported removed, once, so the client stops
 *       waiting for it;
 *   <li>a reconnecting client's {@code initial_resource_versions} say what it already holds.
 * </ul>
 *
 * Not thread-safe: a stream's serial executor owns it.
 */
final class DeltaSubscription {

  /** What one response accounted for, so a refused response can owe it again. */
  record Owed(Set<String> names, boolean everythingUnnamed) {
    static final Owed NOTHING = new Owed(Set.of(), false);
  }

  private boolean wildcard;
  private final Set<String> names = new TreeSet<>();

  /** Names the client holds no version of (subscribed since the last response). */
  private final Set<String> fresh = new HashSet<>();

  /** Whether the wildcard was turned on since the last response: every unnamed resource is owed. */
  private boolean wildcardOpened;

  /** Subscribed names answered as missing: said once, not again until they exist. */
  private final Set<String> reportedMissing = new HashSet<>();

  /** What a reconnecting client said it has, until the first response. */
  private Map<String, String> initial = Map.of();

  private DeltaSubscription() {}

  /** The subscription a stream's first request of a type opens. */
  static DeltaSubscription first(
      List<String> subscribe, List<String> unsubscribe, Map<String, String> initialVersions) {
    DeltaSubscription subscription = new DeltaSubscription();
    subscription.wildcard = subscribe.isEmpty();
    subscription.initial = Map.copyOf(initialVersions);
    subscription.change(subscribe, unsubscribe);
    return subscription;
  }

  /** A request's changes to the subscription. */
  void change(Collection<String> subscribe, Collection<String> unsubscribe) {
    for (String name : subscribe) {
      if (name.equals(Subscription.WILDCARD_NAME)) {
        wildcardOpened |= !wildcard && initial.isEmpty();
        wildcard = true;
      } else if (names.add(name) && !initial.containsKey(name)) {
        fresh.add(name);
      }
    }
    for (String name : unsubscribe) {
      if (name.equals(Subscription.WILDCARD_NAME)) {
        wildcard = false;
        wildcardOpened = false;
      } else if (names.remove(name)) {
        reportedMissing.remove(name);
        if (wildcard) {
          fresh.add(name); // the client drops it; the wildcard still wants it
        } else {
          fresh.remove(name);
        }
      }
    }
  }

  boolean wildcard() {
    return wildcard;
  }

  /** Whether the client wants this resource: by name, or through the wildcard. */
  boolean includes(String name) {
    return wildcard || names.contains(name);
  }

  /** The names subscribed explicitly (a wildcard stream may have some too). */
  Set<String> names() {
    return Set.copyOf(names);
  }

  /** Whether the client holds no version of this resource, whatever it was sent before. */
  boolean owed(String name) {
    return fresh.contains(name) || (wildcardOpened && !names.contains(name));
  }

  /** Whether every resource of the type must be looked at, not only what changed. */
  boolean owesEverything() {
    return wildcardOpened;
  }

  Set<String> owedNames() {
    return Set.copyOf(fresh);
  }

  /** The version a reconnecting client said it has, until the first response; else null. */
  String initialVersion(String name) {
    return initial.get(name);
  }

  Set<String> initialNames() {
    return initial.keySet();
  }

  /**
   * Whether a missing, explicitly subscribed resource is to be reported removed now: once per
   * subscription, so a client waiting for it stops waiting, and not on every push after.
   */
  boolean reportMissing(String name) {
    return names.contains(name) && reportedMissing.add(name);
  }

  void exists(String name) {
    reportedMissing.remove(name);
  }

  /** A response is on its way: it accounts for what was owed and for the reconnect versions. */
  Owed responded() {
    Owed owed = new Owed(Set.copyOf(fresh), wildcardOpened);
    fresh.clear();
    wildcardOpened = false;
    initial = Map.of();
    return owed;
  }

  /**
   * The response accounting for {@code owed} was refused: what is still subscribed is owed again.
   */
  void refused(Owed owed) {
    owed.names().stream().filter(this::includes).forEach(fresh::add);
    wildcardOpened |= owed.everythingUnnamed() && wildcard;
  }

  /** As the snapshot layer keeps it (interned name lists), for status and debug output. */
  Subscription asSubscription() {
    return wildcard ? Subscription.WILDCARD : Subscription.of(names);
  }
}
