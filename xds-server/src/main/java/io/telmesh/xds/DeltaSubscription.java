package io.telmesh.xds;

import io.telmesh.snapshot.Subscription;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /**
   * The names subscribed explicitly, sorted: an interned list shared by every stream with the same
   * names (a thousand sidecars subscribe to the same thousand EDS clusters), so a stream's
   * subscription costs a reference rather than its own set of the strings its requests carried.
   */
  private List<String> names = List.of();

  /**
   * Names the client holds no version of (subscribed since the last response). Between a first
   * request and its response, usually all of {@link #names}: then a view of that shared list.
   */
  private Set<String> fresh = new HashSet<>();

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
    // Copied only when a request changes the names, which after the first is rare.
    TreeSet<String> changed = null;
    for (String name : subscribe) {
      if (name.equals(Subscription.WILDCARD_NAME)) {
        wildcardOpened |= !wildcard && initial.isEmpty();
        wildcard = true;
      } else if (!contains(changed, name)) {
        changed = changed == null ? new TreeSet<>(names) : changed;
        changed.add(name);
        if (!initial.containsKey(name)) {
          mutableFresh().add(name);
        }
      }
    }
    for (String name : unsubscribe) {
      if (name.equals(Subscription.WILDCARD_NAME)) {
        wildcard = false;
        wildcardOpened = false;
      } else if (contains(changed, name)) {
        changed = changed == null ? new TreeSet<>(names) : changed;
        changed.remove(name);
        reportedMissing.remove(name);
        if (wildcard) {
          mutableFresh().add(name); // the client drops it; the wildcard still wants it
        } else {
          mutableFresh().remove(name);
        }
      }
    }
    if (changed != null) {
      names = Subscription.of(changed).names().orElseThrow();
    }
    if (fresh.size() == names.size() && !names.isEmpty() && fresh.containsAll(names)) {
      fresh = new SortedNames(names);
    }
  }

  private Set<String> mutableFresh() {
    if (fresh instanceof SortedNames) {
      fresh = new HashSet<>(fresh);
    }
    return fresh;
  }

  private boolean contains(Set<String> changed, String name) {
    return changed != null ? changed.contains(name) : subscribed(name);
  }

  private boolean subscribed(String name) {
    return Collections.binarySearch(names, name) >= 0;
  }

  boolean wildcard() {
    return wildcard;
  }

  /** Whether the client wants this resource: by name, or through the wildcard. */
  boolean includes(String name) {
    return wildcard || subscribed(name);
  }

  /** The names subscribed explicitly (a wildcard stream may have some too), sorted. */
  List<String> names() {
    return names;
  }

  /** Whether the client holds no version of this resource, whatever it was sent before. */
  boolean owed(String name) {
    return fresh.contains(name) || (wildcardOpened && !subscribed(name));
  }

  /** Whether every resource of the type must be looked at, not only what changed. */
  boolean owesEverything() {
    return wildcardOpened;
  }

  /** What is owed now, unchangeable: the shared view as it is, else a copy. */
  Set<String> owedNames() {
    if (fresh.isEmpty()) {
      return Set.of(); // after the first response, nearly always: Set.copyOf would copy it twice
    }
    return fresh instanceof SortedNames ? fresh : Set.copyOf(fresh);
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
    return subscribed(name) && reportedMissing.add(name);
  }

  void exists(String name) {
    reportedMissing.remove(name);
  }

  /** A response is on its way: it accounts for what was owed and for the reconnect versions. */
  Owed responded() {
    Owed owed = new Owed(owedNames(), wildcardOpened);
    // A new set, not clear(): a cleared set keeps the table its first thousand names grew.
    if (!fresh.isEmpty()) {
      fresh = new HashSet<>();
    }
    wildcardOpened = false;
    initial = Map.of();
    return owed;
  }

  /**
   * The response accounting for {@code owed} was refused: what is still subscribed is owed again.
   */
  void refused(Owed owed) {
    owed.names().stream().filter(this::includes).forEach(mutableFresh()::add);
    wildcardOpened |= owed.everythingUnnamed() && wildcard;
  }

  /** As the snapshot layer keeps it (interned name lists), for status and debug output. */
  Subscription asSubscription() {
    return wildcard ? Subscription.WILDCARD : new Subscription(Optional.of(names));
  }
}
