package io.telmesh.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.telmesh.envoy.Protos;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSet;
import io.telmesh.translate.MeshTranslation;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What differs, byte for byte, between two translations of one proxy, at the granularity Envoy
 * drains connections at: a listener whose listener-level fields (everything but its filter chains)
 * changed is drained whole; otherwise only its changed chains are. Chains are identified as Envoy
 * identifies them across an update, by their whole content; here by name and match (their identity)
 * and compared by deterministic bytes, so a chain whose match changed shows as one removed and one
 * added.
 *
 * @param listeners listeners added, removed, or with different bytes
 * @param listenerLevel listeners present on both sides whose listener-level fields differ
 * @param chains chains of listeners present on both sides: added, removed or with different bytes
 */
public record ResourceDiff(
    Changes<String> listeners,
    SortedSet<String> listenerLevel,
    Changes<ChainKey> chains,
    Changes<String> clusters,
    Changes<String> routes,
    Changes<String> endpoints) {

  /** Keys added, removed and changed between two sides. */
  public record Changes<K extends Comparable<K>>(
      SortedSet<K> added, SortedSet<K> removed, SortedSet<K> changed) {

    public Changes {
      added = unmodifiable(added);
      removed = unmodifiable(removed);
      changed = unmodifiable(changed);
    }

    static <K extends Comparable<K>> Changes<K> between(
        Map<K, ByteString> before, Map<K, ByteString> after) {
      SortedSet<K> added = new TreeSet<>();
      SortedSet<K> removed = new TreeSet<>();
      SortedSet<K> changed = new TreeSet<>();
      after.forEach(
          (key, bytes) -> {
            ByteString earlier = before.get(key);
            if (earlier == null) {
              added.add(key);
            } else if (!earlier.equals(bytes)) {
              changed.add(key);
            }
          });
      before.keySet().stream().filter(k -> !after.containsKey(k)).forEach(removed::add);
      return new Changes<>(added, removed, changed);
    }

    /** Every key that differs in any way. */
    public SortedSet<K> all() {
      SortedSet<K> all = new TreeSet<>(added);
      all.addAll(removed);
      all.addAll(changed);
      return all;
    }

    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
    }

    @Override
    public String toString() {
      return "added " + added + ", removed " + removed + ", changed " + changed;
    }
  }

  /** A filter chain's identity: its listener, its name and its match (as text). */
  public record ChainKey(String listener, String name, String match)
      implements Comparable<ChainKey> {

    public static ChainKey of(Listener listener, FilterChain chain) {
      return new ChainKey(
          listener.getName(),
          chain.getName(),
          TextFormat.printer().shortDebugString(chain.getFilterChainMatch()));
    }

    @Override
    public int compareTo(ChainKey other) {
      return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
      return listener + "/" + name + "{" + match + "}";
    }
  }

  public static ResourceDiff between(ProxyResources before, ProxyResources after) {
    SortedMap<String, Listener> listenersBefore = before.listeners().byName();
    SortedMap<String, Listener> listenersAfter = after.listeners().byName();
    SortedSet<String> listenerLevel = new TreeSet<>();
    Map<ChainKey, ByteString> chainsBefore = new LinkedHashMap<>();
    Map<ChainKey, ByteString> chainsAfter = new LinkedHashMap<>();
    listenersAfter.forEach(
        (name, listener) -> {
          Listener earlier = listenersBefore.get(name);
          if (earlier == null) {
            return;
          }
          if (!listenerLevelBytes(earlier).equals(listenerLevelBytes(listener))) {
            listenerLevel.add(name);
          }
          chainsBefore.putAll(chains(earlier));
          chainsAfter.putAll(chains(listener));
        });
    return new ResourceDiff(
        Changes.between(bytes(before.listeners()), bytes(after.listeners())),
        listenerLevel,
        Changes.between(chainsBefore, chainsAfter),
        Changes.between(bytes(before.clusters()), bytes(after.clusters())),
        Changes.between(bytes(before.routes()), bytes(after.routes())),
        Changes.between(bytes(before.endpoints()), bytes(after.endpoints())));
  }

  /** Per proxy (by node id), what differs between two translations. */
  public static Map<String, ResourceDiff> perProxy(
      MeshTranslation before, MeshTranslation after, Collection<ProxyNode> nodes) {
    Map<String, ResourceDiff> diffs = new LinkedHashMap<>();
    for (ProxyNode node : nodes) {
      diffs.put(node.id(), between(before.forProxy(node), after.forProxy(node)));
    }
    return diffs;
  }

  /** A listener without its chains: what Envoy compares to decide whether to drain it whole. */
  public static ByteString listenerLevelBytes(Listener listener) {
    return Protos.deterministicBytes(
        listener.toBuilder().clearFilterChains().clearDefaultFilterChain().build());
  }

  /** Names of the chains that differ, per listener: {@code virtualInbound -> [net1_3868, ...]}. */
  public SortedMap<String, SortedSet<String>> chainNames() {
    SortedMap<String, SortedSet<String>> names = new TreeMap<>();
    chains
        .all()
        .forEach(k -> names.computeIfAbsent(k.listener(), l -> new TreeSet<>()).add(k.name()));
    return names;
  }

  public boolean isEmpty() {
    return listeners.isEmpty()
        && chains.isEmpty()
        && clusters.isEmpty()
        && routes.isEmpty()
        && endpoints.isEmpty();
  }

  private static Map<ChainKey, ByteString> chains(Listener listener) {
    Map<ChainKey, ByteString> chains = new LinkedHashMap<>();
    for (FilterChain chain : listener.getFilterChainsList()) {
      ChainKey key = ChainKey.of(listener, chain);
      if (chains.put(key, Protos.deterministicBytes(chain)) != null) {
        throw new AssertionError(
            "two chains of " + listener.getName() + " with the same name and match: " + key);
      }
    }
    if (listener.hasDefaultFilterChain()) {
      chains.put(
          new ChainKey(
              listener.getName(), "(default) " + listener.getDefaultFilterChain().getName(), ""),
          Protos.deterministicBytes(listener.getDefaultFilterChain()));
    }
    return chains;
  }

  private static <T extends Message> Map<String, ByteString> bytes(ResourceSet<T> set) {
    return set.byName().entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> Protos.deterministicBytes(e.getValue()),
                (a, b) -> a,
                TreeMap::new));
  }

  private static <K extends Comparable<K>> SortedSet<K> unmodifiable(SortedSet<K> set) {
    return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(set));
  }
}
