package io.telmesh.resources;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable group of resources of one type, by name. Segments are the unit of sharing: the
 * outbound segments are the same objects for every proxy of a mesh state, so consumers can
 * serialize and hash each segment once.
 */
public final class ResourceSegment<T extends Message> {

  private final ResourceType<T> type;

  /** Never handed out: walking it wraps no entries, which the read-only view does one by one. */
  private final SortedMap<String, T> entries;

  private final SortedMap<String, T> byName;

  private ResourceSegment(ResourceType<T> type, SortedMap<String, T> entries) {
    this.type = type;
    this.entries = entries;
    this.byName = Collections.unmodifiableSortedMap(entries);
  }

  /**
   * A segment of resources of one type, by name.
   *
   * @throws IllegalArgumentException when two resources share a name (a translator bug)
   */
  public static <T extends Message> ResourceSegment<T> of(
      ResourceType<T> type, Collection<T> resources) {
    SortedMap<String, T> map = new TreeMap<>();
    for (T resource : resources) {
      T previous = map.put(type.nameOf(resource), resource);
      if (previous != null) {
        throw new IllegalArgumentException(
            "two " + type.kind() + " resources named " + type.nameOf(resource));
      }
    }
    return new ResourceSegment<>(type, map);
  }

  /**
   * This segment with {@code replacements} put in by name, beside or instead of its own resources:
   * an endpoint change rebuilds a few assignments and keeps every other object.
   */
  public ResourceSegment<T> with(Collection<T> replacements) {
    if (replacements.isEmpty()) {
      return this;
    }
    SortedMap<String, T> map = new TreeMap<>(byName);
    for (T resource : replacements) {
      map.put(type.nameOf(resource), resource);
    }
    return new ResourceSegment<>(type, map);
  }

  /**
   * The resources of this segment that are not {@code earlier}'s objects, when both hold the same
   * names; empty when the names differ. One walk of both in name order, so a segment derived from
   * another by {@link #with} is compared in proportion to its size, without lookups.
   */
  @SuppressWarnings("ReferenceEquality") // a resource carried over is the same object
  public Optional<List<T>> replacedSince(ResourceSegment<T> earlier) {
    if (earlier.size() != size()) {
      return Optional.empty();
    }
    List<T> replaced = new ArrayList<>();
    Iterator<Map.Entry<String, T>> before = earlier.entries.entrySet().iterator();
    for (Map.Entry<String, T> entry : entries.entrySet()) {
      Map.Entry<String, T> old = before.next();
      if (!old.getKey().equals(entry.getKey())) {
        return Optional.empty();
      }
      if (old.getValue() != entry.getValue()) {
        replaced.add(entry.getValue());
      }
    }
    return Optional.of(replaced);
  }

  public static <T extends Message> ResourceSegment<T> empty(ResourceType<T> type) {
    return new ResourceSegment<>(type, new TreeMap<>());
  }

  public ResourceType<T> type() {
    return type;
  }

  public SortedMap<String, T> byName() {
    return byName;
  }

  public List<T> resources() {
    return List.copyOf(byName.values());
  }

  public int size() {
    return byName.size();
  }
}
