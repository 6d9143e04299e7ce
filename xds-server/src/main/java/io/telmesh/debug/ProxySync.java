package io.telmesh.debug;

import io.telmesh.model.NamespacedName;
import java.util.Map;
import java.util.TreeMap;

/**
 * One connected proxy's sync state per xDS type, with Istio's status words (what {@code
 * proxy-status} prints), for pages and scripts that want it without the protobuf.
 *
 * @param types by short type name ({@code LDS}, {@code CDS}, …), kept sorted
 */
public record ProxySync(
    String nodeId, String proxyName, String kind, NamespacedName pod, Map<String, TypeSync> types) {

  public ProxySync {
    types = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(types));
  }

  /**
   * One type's state.
   *
   * @param state SYNCED, STALE, NOT_SENT or NACKED
   * @param error the proxy's NACK message; empty unless NACKED
   */
  public record TypeSync(String state, String version, String error) {}

  /** Whether any type is NACKED. */
  public boolean nacked() {
    return types.values().stream().anyMatch(t -> t.state().equals("NACKED"));
  }
}
