package io.telmesh.snapshot;

import java.time.Instant;
import java.util.Map;

/**
 * Everything one proxy is to be sent, by type URL.
 *
 * @param generation the push generation (mesh state) it was built from
 * @param changedAt when the first source change of that generation happened (for convergence)
 */
public record ProxySnapshot(long generation, Instant changedAt, Map<String, TypeSnapshot> byType) {

  public ProxySnapshot {
    byType = Map.copyOf(byType);
  }

  /** This snapshot with one type replaced, as of another generation. */
  public ProxySnapshot with(TypeSnapshot type, long generation, Instant changedAt) {
    Map<String, TypeSnapshot> types = new java.util.HashMap<>(byType);
    types.put(type.typeUrl(), type);
    return new ProxySnapshot(generation, changedAt, types);
  }

  public TypeSnapshot type(String typeUrl) {
    TypeSnapshot snapshot = byType.get(typeUrl);
    return snapshot != null ? snapshot : new TypeSnapshot(typeUrl, java.util.List.of());
  }
}
