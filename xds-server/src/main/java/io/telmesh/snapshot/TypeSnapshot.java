package io.telmesh.snapshot;

import com.google.common.collect.MapMaker;
import io.telmesh.envoy.ResourceVersions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One proxy's resources of one type: prepared segments (mostly shared with other proxies) and a
 * version derived from their content.
 */
public final class TypeSnapshot {

  private final String typeUrl;
  private final List<PreparedSegment> segments;
  private final String version;

  /**
   * Named subscriptions' resources and versions, per interned name list; weak keys compare by
   * identity, so a lookup does not hash a thousand names. Made on first use, as {@link #diffs} is:
   * a proxy's own listeners and clusters get a snapshot each, rarely selected or diffed, and an
   * empty weak map costs more than the rest of the snapshot.
   */
  private final LazyWeakMap<List<String>, Selection> selections = new LazyWeakMap<>();

  /**
   * Diffs against earlier snapshots (weak keys, by identity), computed once for all proxies sharing
   * both.
   */
  private final LazyWeakMap<TypeSnapshot, Set<String>> diffs = new LazyWeakMap<>();

  private volatile Selection everything;

  public TypeSnapshot(String typeUrl, List<PreparedSegment> segments) {
    this.typeUrl = typeUrl;
    this.segments = List.copyOf(segments);
    this.version =
        ResourceVersions.ofSegments(this.segments.stream().map(PreparedSegment::digest).toList());
  }

  public String typeUrl() {
    return typeUrl;
  }

  public String version() {
    return version;
  }

  public List<PreparedSegment> segments() {
    return segments;
  }

  public PreparedResource get(String name) {
    for (PreparedSegment segment : segments) {
      PreparedResource found = segment.byName().get(name);
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  public List<PreparedResource> all() {
    List<PreparedResource> all = new ArrayList<>(size());
    segments.forEach(s -> all.addAll(s.byName().values()));
    return all;
  }

  public int size() {
    int size = 0;
    for (PreparedSegment segment : segments) {
      size += segment.byName().size();
    }
    return size;
  }

  /**
   * The resources of a subscription, as a state-of-the-world response carries them, and its
   * version.
   */
  public record Selection(SotwEntries resources, String version) {}

  /**
   * A wildcard subscription's answer, joined from the segments' entries on first use and kept: a
   * few rope nodes, and every stream of the proxy (grpc-go opens one per target) sends the same.
   */
  public Selection everything() {
    Selection made = everything;
    if (made == null) {
      made =
          new Selection(
              SotwEntries.join(segments.stream().map(PreparedSegment::sotw).toList()), version);
      everything = made; // racing threads join equal entries; either may stay
    }
    return made;
  }

  /**
   * What a state-of-the-world subscription to {@code names} (an interned {@link Subscription} list)
   * receives. The names asked for are part of the version, so a changed subscription is always
   * answered, with whatever of it exists. Computed once per name list and snapshot: every ACK of
   * every proxy subscribing to the same EDS names asks again.
   */
  public Selection select(List<String> names) {
    return selections.get().computeIfAbsent(names, this::selectNow);
  }

  private Selection selectNow(List<String> names) {
    List<PreparedResource> selected = new ArrayList<>();
    ResourceVersions.SetDigest digest = ResourceVersions.newSet();
    for (String name : names) {
      PreparedResource resource = get(name);
      digest.add(name, resource == null ? "-" : resource.version());
      if (resource != null) {
        selected.add(resource);
      }
    }
    return new Selection(SotwEntries.of(selected), digest.finish());
  }

  /**
   * Names whose resource differs between {@code earlier} and this snapshot (added, removed or
   * changed). Segments that are the same object in both are skipped, and segment-pair diffs are
   * memoised, so proxies sharing segments pay for a change once.
   */
  public Set<String> changedSince(TypeSnapshot earlier) {
    return diffs.get().computeIfAbsent(earlier, this::diff);
  }

  /** A weak-keyed (identity) map made on first use. */
  private static final class LazyWeakMap<K, V> {
    private volatile Map<K, V> map;

    Map<K, V> get() {
      Map<K, V> made = map;
      if (made == null) {
        synchronized (this) {
          made = map;
          if (made == null) {
            // Few threads write at once (a change's diff, an ACK's selection): one segment will do.
            map = made = new MapMaker().weakKeys().concurrencyLevel(1).makeMap();
          }
        }
      }
      return made;
    }
  }

  /**
   * Only segments that are not shared can differ. They are compared pairwise, in order, when as
   * many were added as removed (a segment replaced in place: a changed resource costs a resource's
   * comparison); otherwise every name in them counts. Names are unique within a snapshot, so a name
   * whose version differs is always in an added or a removed segment, and a pairing can at worst
   * report a name that moved between segments unchanged.
   */
  private Set<String> diff(TypeSnapshot earlier) {
    List<PreparedSegment> added = notIn(segments, earlier.segments);
    List<PreparedSegment> removed = notIn(earlier.segments, segments);
    Set<String> changed = new HashSet<>();
    if (added.size() == removed.size()) {
      for (int i = 0; i < added.size(); i++) {
        changed.addAll(added.get(i).changedSince(removed.get(i)));
      }
    } else {
      added.forEach(segment -> changed.addAll(segment.byName().keySet()));
      removed.forEach(segment -> changed.addAll(segment.byName().keySet()));
    }
    return Set.copyOf(changed);
  }

  /** The segments of {@code these} that are not (by identity) among {@code those}, in order. */
  private static List<PreparedSegment> notIn(
      List<PreparedSegment> these, List<PreparedSegment> those) {
    IdentityHashMap<PreparedSegment, Boolean> other = new IdentityHashMap<>();
    those.forEach(segment -> other.put(segment, Boolean.TRUE));
    return these.stream().filter(segment -> !other.containsKey(segment)).toList();
  }
}
