package io.telmesh.snapshot;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import java.util.ArrayList;
import java.util.Collections;
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

  /** The resource name that subscribes to every resource of a type. */
  public static final String WILDCARD_NAME = "*";

  private static final Interner<List<String>> NAMES = Interners.newWeakInterner();

  public static Subscription of(Iterable<String> names) {
    List<String> list = new ArrayList<>();
    names.forEach(list::add);
    if (!sortedAndDistinct(list)) {
      list = new ArrayList<>(new TreeSet<>(list));
    }
    return new Subscription(Optional.of(NAMES.intern(List.copyOf(list))));
  }

  /** Lists that come back interned (a proxy's ACK repeats its names) skip the sort. */
  private static boolean sortedAndDistinct(List<String> names) {
    for (int i = 1; i < names.size(); i++) {
      if (names.get(i - 1).compareTo(names.get(i)) >= 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether these names, in this order, are exactly this subscription's. One pass of string
   * comparisons: a SotW client repeats its thousand EDS names in every ACK, and an unchanged list
   * then costs no copy, sort, hash or intern.
   */
  public boolean sameNames(List<String> requested) {
    if (names.isEmpty()) {
      return false;
    }
    List<String> own = names.get();
    if (own.size() != requested.size()) {
      return false;
    }
    for (int i = 0; i < own.size(); i++) {
      if (!own.get(i).equals(requested.get(i))) {
        return false;
      }
    }
    return true;
  }

  public boolean wildcard() {
    return names.isEmpty();
  }

  /** Named, with no names: wants nothing. */
  public boolean isEmpty() {
    return names.map(List::isEmpty).orElse(false);
  }

  public boolean includes(String name) {
    return names.map(n -> Collections.binarySearch(n, name) >= 0).orElse(true);
  }
}
