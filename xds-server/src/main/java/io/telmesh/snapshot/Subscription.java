package io.telmesh.snapshot;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The resource names a proxy asked for, or every resource (wildcard). Name lists are interned:
 * thousands of proxies subscribe to the same EDS cluster names, and one shared list is all the
 * status tracking keeps.
 */
public record Subscription(Optional<List<String>> names) {

  public static final Subscription WILDCARD = new Subscription(Optional.empty());

  private static final Interner<List<String>> NAMES = Interners.newWeakInterner();

  public static Subscription of(Iterable<String> names) {
    TreeSet<String> sorted = new TreeSet<>();
    names.forEach(sorted::add);
    return new Subscription(Optional.of(NAMES.intern(List.copyOf(sorted))));
  }

  public boolean wildcard() {
    return names.isEmpty();
  }

  public boolean includes(String name) {
    return names.map(n -> java.util.Collections.binarySearch(n, name) >= 0).orElse(true);
  }
}
