package io.telmesh.resources;

import com.google.protobuf.Message;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An immutable group of resources of one type, by name. Segments are the unit of sharing: the
 * outbound segments are the same objects for every proxy of a mesh state, so consumers can
 * serialize and hash each segment once.
 */
public final class ResourceSegment<T extends Message> {

  private final ResourceType<T> type;
  private final SortedMap<String, T> byName;

  private ResourceSegment(ResourceType<T> type, SortedMap<String, T> byName) {
    this.type = type;
    this.byName = Collections.unmodifiableSortedMap(byName);
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
