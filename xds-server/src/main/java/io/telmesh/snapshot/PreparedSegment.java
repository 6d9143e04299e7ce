package io.telmesh.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.telmesh.envoy.Protos;
import io.telmesh.envoy.ResourceVersions;
import io.telmesh.resources.ResourceSegment;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.WeakHashMap;

/**
 * A {@link ResourceSegment} serialized and versioned: every resource packed once, plus a digest of
 * the whole segment. Shared segments are prepared once per mesh state for all proxies.
 */
public final class PreparedSegment {

  private final Map<String, PreparedResource> byName;
  private final String digest;

  /** Every resource's state-of-the-world entry, joined once for every proxy sent the segment. */
  private final SotwEntries sotw;

  /**
   * Diffs against earlier segments, computed once for all proxies that share both. Made on first
   * use: a proxy's own segments are rarely diffed, and an empty weak map is most of their weight.
   */
  private Map<PreparedSegment, Set<String>> diffs;

  private PreparedSegment(Map<String, PreparedResource> byName, String digest) {
    this.byName = Collections.unmodifiableMap(byName);
    this.digest = digest;
    this.sotw = SotwEntries.of(byName.values());
  }

  public static PreparedSegment prepare(ResourceSegment<? extends Message> segment) {
    return prepare(segment, message -> null);
  }

  /**
   * Prepares a segment, reusing resources prepared before.
   *
   * @param known an already prepared resource for a message object, or null (a segment of a new
   *     mesh state mostly holds the previous state's objects)
   */
  public static PreparedSegment prepare(
      ResourceSegment<? extends Message> segment,
      java.util.function.Function<Message, PreparedResource> known) {
    Map<String, PreparedResource> byName = new LinkedHashMap<>();
    // A segment is sorted by name already: its digest is hashed as it is walked.
    ResourceVersions.SetDigest digest = ResourceVersions.newSet();
    segment
        .byName()
        .forEach(
            (name, message) -> {
              PreparedResource resource = known.apply(message);
              if (resource == null || !resource.name().equals(name)) {
                Any any = Protos.pack(message);
                resource = new PreparedResource(name, any, ResourceVersions.of(any.getValue()));
              }
              byName.put(name, resource);
              digest.add(name, resource.version());
            });
    return new PreparedSegment(byName, digest.finish());
  }

  /** A segment of already prepared resources (a proxy's last good versions, say). */
  public static PreparedSegment of(Map<String, PreparedResource> resources) {
    SortedMap<String, String> versions = new TreeMap<>();
    resources.forEach((name, resource) -> versions.put(name, resource.version()));
    return new PreparedSegment(
        new LinkedHashMap<>(new TreeMap<>(resources)), ResourceVersions.ofSet(versions));
  }

  /** This segment without the given names. */
  public PreparedSegment without(Set<String> names) {
    Map<String, PreparedResource> kept = new LinkedHashMap<>(byName);
    kept.keySet().removeAll(names);
    return kept.size() == byName.size() ? this : of(kept);
  }

  public Map<String, PreparedResource> byName() {
    return byName;
  }

  /** Names added, removed or changed since {@code earlier}. */
  public Set<String> changedSince(PreparedSegment earlier) {
    Map<PreparedSegment, Set<String>> memo;
    synchronized (this) {
      if (diffs == null) {
        diffs = Collections.synchronizedMap(new WeakHashMap<>());
      }
      memo = diffs;
    }
    return memo.computeIfAbsent(
        earlier,
        e -> {
          Set<String> changed = new HashSet<>();
          byName.forEach(
              (name, resource) -> {
                PreparedResource before = e.byName.get(name);
                if (before == null || !before.version().equals(resource.version())) {
                  changed.add(name);
                }
              });
          e.byName.keySet().stream()
              .filter(name -> !byName.containsKey(name))
              .forEach(changed::add);
          return Set.copyOf(changed);
        });
  }

  /** The segment's resources as a state-of-the-world response carries them, in name order. */
  public SotwEntries sotw() {
    return sotw;
  }

  /** A content digest of the segment: names and resource versions. */
  public String digest() {
    return digest;
  }
}
