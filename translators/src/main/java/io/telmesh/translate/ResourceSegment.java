package io.telmesh.translate;

import com.google.protobuf.Message;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An immutable group of resources of one type, by name. Segments are the unit of sharing: the
 * outbound segments are the same objects for every proxy of a mesh state, so consumers can
 * serialize and hash each segment once.
 */
public final class ResourceSegment<T extends Message> {

  private final SortedMap<String, T> byName;

  private ResourceSegment(SortedMap<String, T> byName) {
    this.byName = Collections.unmodifiableSortedMap(byName);
  }

  /** @throws IllegalArgumentException when two resources share a name (a translator bug) */
  public static <T extends Message> ResourceSegment<T> of(Collection<T> resources, Function<T, String> name) {
    SortedMap<String, T> map = new TreeMap<>();
    for (T resource : resources) {
      T previous = map.put(name.apply(resource), resource);
      if (previous != null) {
        throw new IllegalArgumentException("two resources named " + name.apply(resource));
      }
    }
    return new ResourceSegment<>(map);
  }

  public static <T extends Message> ResourceSegment<T> empty() {
    return new ResourceSegment<>(new TreeMap<>());
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
