package io.telmesh.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.WatchCancelledException;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.Responded;
import io.telmesh.snapshot.Subscription;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.snapshot.TypeUrls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * telmesh's {@link ConfigWatcher}: one {@link ProxySnapshot} per proxy, and the rules for when a
 * state-of-the-world watch is answered; delta streams ({@link DeltaStream}) listen to the same
 * snapshots. Unlike the library's SimpleCache:
 *
 * <ul>
 *   <li>a version a proxy NACKed is never sent again; only new content is;
 *   <li>a request for resources that do not exist is answered with those that do;
 *   <li>versions are per type and per proxy, derived from content, so an endpoint change sends EDS
 *       only;
 *   <li>{@link #setSnapshot} only hands responses to the per-stream send executors.
 * </ul>
 *
 * Requests reach it with their node filled in by {@link XdsStreamFilter} (Envoy sends the node on a
 * stream's first request only).
 */
public final class ProxyCache implements ConfigWatcher {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyCache.class);

  private final ConcurrentHashMap<String, NodeState> nodes = new ConcurrentHashMap<>();

  /** Installs (or replaces) a proxy's snapshot and answers the watches it satisfies. */
  public void setSnapshot(String nodeId, ProxySnapshot snapshot) {
    nodes.computeIfAbsent(nodeId, NodeState::new).setSnapshot(snapshot);
  }

  public Optional<ProxySnapshot> snapshot(String nodeId) {
    NodeState state = nodes.get(nodeId);
    return state == null ? Optional.empty() : Optional.ofNullable(state.snapshot);
  }

  /** The content of the response of this version most recently handed to the proxy's stream. */
  public Optional<Responded> responded(String nodeId, String typeUrl, String version) {
    NodeState state = nodes.get(nodeId);
    return state == null ? Optional.empty() : state.responded(typeUrl, version);
  }

  /** Forgets a proxy whose last stream closed. */
  public void remove(String nodeId) {
    nodes.remove(nodeId);
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    Watch watch = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
    String nodeId = request.v3Request().getNode().getId();
    nodes.computeIfAbsent(nodeId, NodeState::new).open(watch);
    return watch;
  }

  /** Delta streams are served by {@link DeltaStream}, not through the library's watches. */
  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    throw new UnsupportedOperationException("delta streams are served by telmesh's DeltaStream");
  }

  /** Told, on the pushing thread, when a proxy's snapshot changes; must only hand work off. */
  interface SnapshotListener {
    void snapshotChanged(ProxySnapshot snapshot);
  }

  void listen(String nodeId, SnapshotListener listener) {
    nodes.computeIfAbsent(nodeId, NodeState::new).listeners.add(listener);
  }

  void unlisten(String nodeId, SnapshotListener listener) {
    NodeState state = nodes.get(nodeId);
    if (state != null) {
      state.listeners.remove(listener);
    }
  }

  /** Records what a response handed to a proxy's stream (outside the library) carried. */
  void recordResponse(String nodeId, String typeUrl, Responded response) {
    nodes.computeIfAbsent(nodeId, NodeState::new).recordResponse(typeUrl, response);
  }

  /** Per-proxy state. All access is under the instance lock. */
  private static final class NodeState {

    private final String nodeId;
    private volatile ProxySnapshot snapshot;
    private final Set<SotwWatchState> sotw = new HashSet<>();
    private final Set<SnapshotListener> listeners = ConcurrentHashMap.newKeySet();

    /** Per type: the version last sent, and one the proxy NACKed (never re-sent). */
    private final Map<String, String> lastSentVersion = new HashMap<>();

    private final Map<String, String> rejectedVersion = new HashMap<>();

    /** Per type: the last two responses (a newer one may be cut before the older one is sent). */
    private final Map<String, List<Responded>> responded = new HashMap<>();

    NodeState(String nodeId) {
      this.nodeId = nodeId;
    }

    synchronized void setSnapshot(ProxySnapshot next) {
      this.snapshot = next;
      for (String type : TypeUrls.PUSH_ORDER) {
        for (SotwWatchState watch : List.copyOf(sotw)) {
          if (watch.type.equals(type) && answer(watch)) {
            sotw.remove(watch);
          }
        }
      }
      for (SotwWatchState watch : List.copyOf(sotw)) {
        if (!TypeUrls.PUSH_ORDER.contains(watch.type) && answer(watch)) {
          sotw.remove(watch);
        }
      }
      listeners.forEach(listener -> listener.snapshotChanged(next));
    }

    synchronized void open(Watch watch) {
      SotwWatchState state = new SotwWatchState(watch);
      if (watch.request().hasErrorDetail()) {
        String rejected = lastSentVersion.get(state.type);
        if (rejected != null) {
          rejectedVersion.put(state.type, rejected);
          LOG.warn(
              "proxy {} rejected {} version {}: {}",
              nodeId,
              TypeUrls.shortName(state.type),
              rejected,
              watch.request().v3Request().getErrorDetail().getMessage());
        }
      }
      if (!answer(state)) {
        sotw.add(state);
        watch.setStop(() -> remove(state));
      }
    }

    synchronized Optional<Responded> responded(String typeUrl, String version) {
      return responded.getOrDefault(typeUrl, List.of()).stream()
          .filter(r -> r.version().equals(version))
          .findFirst();
    }

    synchronized void recordResponse(String typeUrl, Responded response) {
      List<Responded> recent = new ArrayList<>(responded.getOrDefault(typeUrl, List.of()));
      recent.add(0, response);
      responded.put(typeUrl, List.copyOf(recent.subList(0, Math.min(2, recent.size()))));
    }

    private synchronized void remove(SotwWatchState watch) {
      sotw.remove(watch);
    }

    /** Answers a SotW watch if there is something new for it; true when answered (or dead). */
    private boolean answer(SotwWatchState watch) {
      ProxySnapshot current = snapshot;
      if (current == null) {
        return false;
      }
      TypeSnapshot resources = current.type(watch.type);
      if (watch.baseline != null
          && (resources == watch.baseline
              || resources.version().equals(watch.baseline.version()))) {
        return false;
      }
      XdsRequest request = watch.watch.request();
      List<String> names = request.getResourceNamesList();
      boolean wildcard =
          names.contains("*") || (names.isEmpty() && TypeUrls.WILDCARD_TYPES.contains(watch.type));
      Subscription subscription = wildcard ? Subscription.WILDCARD : Subscription.of(names);
      // Named: memoised per snapshot and name list (every ACK asks again, most proxies ask the
      // same).
      TypeSnapshot.Selection selection =
          wildcard ? null : resources.select(subscription.names().orElseThrow());
      String version = wildcard ? resources.version() : selection.version();
      if (version.equals(request.getVersionInfo())
          || version.equals(rejectedVersion.get(watch.type))) {
        watch.baseline = resources;
        return false;
      }
      try {
        watch.watch.respond(
            Response.create(
                request, (wildcard ? resources.everything() : selection).resources(), version));
      } catch (WatchCancelledException e) {
        return true;
      }
      lastSentVersion.put(watch.type, version);
      rejectedVersion.remove(watch.type);
      recordResponse(watch.type, new Responded(version, resources, subscription));
      return true;
    }
  }

  private static final class SotwWatchState {
    final Watch watch;
    final String type;

    /** The snapshot this watch was found up to date with. */
    TypeSnapshot baseline;

    SotwWatchState(Watch watch) {
      this.watch = watch;
      this.type = watch.request().getTypeUrl();
    }
  }
}
