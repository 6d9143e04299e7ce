package io.telmesh.resources;

import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * All resources of one type for one proxy: a few segments, some shared with other proxies. Names
 * are unique across segments.
 */
public record ResourceSet<T extends Message>(List<ResourceSegment<T>> segments) {

  public ResourceSet {
    segments = List.copyOf(segments);
  }

  @SafeVarargs
  public static <T extends Message> ResourceSet<T> of(ResourceSegment<T>... segments) {
    List<ResourceSegment<T>> list = new ArrayList<>(segments.length);
    for (ResourceSegment<T> segment : segments) {
      list.add(segment);
    }
    return new ResourceSet<>(list);
  }

  public Optional<T> get(String name) {
    for (ResourceSegment<T> segment : segments) {
      T found = segment.byName().get(name);
      if (found != null) {
        return Optional.of(found);
      }
    }
    return Optional.empty();
  }

  /** Every resource, sorted by name. */
  public SortedMap<String, T> byName() {
    SortedMap<String, T> all = new TreeMap<>();
    segments.forEach(s -> all.putAll(s.byName()));
    return all;
  }

  public List<T> all() {
    List<Map.Entry<String, T>> entries = new ArrayList<>();
    segments.forEach(s -> entries.addAll(s.byName().entrySet()));
    entries.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
    return entries.stream().map(Map.Entry::getValue).toList();
  }

  public int size() {
    return segments.stream().mapToInt(ResourceSegment::size).sum();
  }
}
