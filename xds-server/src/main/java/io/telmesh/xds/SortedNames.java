package io.telmesh.xds;

import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * A read-only set over a sorted list of names, costing a reference: a stream's first subscription
 * owes the client every name it subscribed to, and the interned list of those names is shared with
 * every other stream subscribing to the same (a thousand EDS clusters per sidecar), where a set of
 * its own would cost each stream 40 KB while it waits for its first snapshot.
 */
final class SortedNames extends AbstractSet<String> {

  private final List<String> sorted;

  /**
   * @param sorted in {@link String#compareTo} order, without duplicates, never changed after
   */
  SortedNames(List<String> sorted) {
    this.sorted = sorted;
  }

  @Override
  public boolean contains(Object name) {
    return name instanceof String s && Collections.binarySearch(sorted, s) >= 0;
  }

  @Override
  public Iterator<String> iterator() {
    return Collections.unmodifiableList(sorted).iterator();
  }

  @Override
  public int size() {
    return sorted.size();
  }
}
