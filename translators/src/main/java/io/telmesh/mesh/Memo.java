package io.telmesh.mesh;

import io.telmesh.model.Problem;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Function;

/**
 * Results of the previous build, by the identity of their inputs. Informers hand over the same
 * object until it changes, so an unchanged object is never read or joined twice; a changed one is a
 * new object and misses. Each build keeps only what it used, so nothing outlives two builds.
 */
final class Memo<K, V> {

  /** A value with the problems found while computing it. */
  record Result<V>(V value, List<Problem> problems) {}

  private IdentityHashMap<K, Entry<V>> previous = new IdentityHashMap<>();
  private IdentityHashMap<K, Entry<V>> current = new IdentityHashMap<>();

  private record Entry<V>(List<Object> inputs, Result<V> result) {}

  /**
   * The result for {@code key}, reused when the key and every input are the same objects as last
   * time, computed otherwise.
   */
  Result<V> get(K key, List<Object> inputs, Function<K, Result<V>> compute) {
    Entry<V> entry = reusedOrComputed(key, inputs, compute);
    current.put(key, entry);
    return entry.result();
  }

  /**
   * As {@link #get}, between builds: the result replaces the previous generation's, which stays the
   * generation (a fast build that redoes a few keys does not roll).
   */
  Result<V> refresh(K key, List<Object> inputs, Function<K, Result<V>> compute) {
    Entry<V> entry = reusedOrComputed(key, inputs, compute);
    previous.put(key, entry);
    return entry.result();
  }

  private Entry<V> reusedOrComputed(K key, List<Object> inputs, Function<K, Result<V>> compute) {
    Entry<V> entry = previous.get(key);
    return entry != null && sameInstances(entry.inputs(), inputs)
        ? entry
        : new Entry<>(inputs, compute.apply(key));
  }

  /** Between builds: {@code now} replaces {@code before}, with a result computed without inputs. */
  void replace(K before, K now, Result<V> result) {
    previous.remove(before);
    previous.put(now, new Entry<>(List.of(), result));
  }

  /** Ends a build: what was used becomes the previous generation. */
  void roll() {
    previous = current;
    current = new IdentityHashMap<>();
  }

  /** Whether both lists hold the very same objects, in the same order. */
  static boolean sameInstances(List<?> a, List<?> b) {
    if (a == b) {
      return true;
    }
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
