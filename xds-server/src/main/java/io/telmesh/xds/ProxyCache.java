package io.telmesh.xds;

import io.telmesh.snapshot.ProxySnapshot;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The snapshot each proxy is to be sent, by node id, and the streams that follow it. The push
 * pipeline installs snapshots; every open stream of that node (SotW or delta, one or several) is
 * told and decides on its own executor what its client lacks. Nothing here knows about nonces or
 * ACKs: that state belongs to a stream.
 */
public final class ProxyCache {

  /** Told, on the pushing thread, when a proxy's snapshot changes; must only hand work off. */
  interface SnapshotListener {
    void snapshotChanged(ProxySnapshot snapshot);
  }

  private static final class NodeState {
    volatile ProxySnapshot snapshot;
    final Set<SnapshotListener> listeners = ConcurrentHashMap.newKeySet();
  }

  private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();

  /**
   * Installs (or replaces) a proxy's snapshot and tells its streams, unless one of a later
   * generation is installed already: a connecting proxy's first push and a new generation's push to
   * it run on different workers, and the older must not land last.
   *
   * @return whether it was installed
   */
  public boolean setSnapshot(String nodeId, ProxySnapshot snapshot) {
    NodeState state = nodes.computeIfAbsent(nodeId, n -> new NodeState());
    synchronized (state) {
      ProxySnapshot installed = state.snapshot;
      if (installed != null && installed.generation() > snapshot.generation()) {
        return false;
      }
      install(state, snapshot);
      return true;
    }
  }

  /**
   * Installs {@code next} and tells the streams only if {@code expected} is still the installed
   * snapshot: for a snapshot derived from the installed one, which anything installed meanwhile (a
   * reconnected proxy's first push) makes stale.
   *
   * @return whether it was installed
   */
  @SuppressWarnings("ReferenceEquality") // that very snapshot, not an equal one
  public boolean replaceSnapshot(String nodeId, ProxySnapshot expected, ProxySnapshot next) {
    NodeState state = nodes.get(nodeId);
    if (state == null) {
      return false;
    }
    synchronized (state) {
      if (state.snapshot != expected) {
        return false;
      }
      install(state, next);
      return true;
    }
  }

  /** Under the node's lock, so streams hear of snapshots in the order they were installed. */
  private static void install(NodeState state, ProxySnapshot snapshot) {
    state.snapshot = snapshot;
    state.listeners.forEach(listener -> listener.snapshotChanged(snapshot));
  }

  public Optional<ProxySnapshot> snapshot(String nodeId) {
    NodeState state = nodes.get(nodeId);
    return state == null ? Optional.empty() : Optional.ofNullable(state.snapshot);
  }

  /** Forgets a proxy whose last stream closed. */
  public void remove(String nodeId) {
    nodes.remove(nodeId);
  }

  void listen(String nodeId, SnapshotListener listener) {
    nodes.computeIfAbsent(nodeId, n -> new NodeState()).listeners.add(listener);
  }

  void unlisten(String nodeId, SnapshotListener listener) {
    NodeState state = nodes.get(nodeId);
    if (state != null) {
      state.listeners.remove(listener);
    }
  }
}
