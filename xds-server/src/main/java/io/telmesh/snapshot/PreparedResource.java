package io.telmesh.snapshot;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/**
 * A resource ready to send: packed once (deterministic bytes), with its content version, as the
 * {@link Resource} a delta response carries, and as the entry a state-of-the-world response carries
 * ({@link SotwEntries}). Shared by every stream that sends it, so its serialized size is computed
 * and its entry encoded once, not per proxy.
 */
public record PreparedResource(
    String name, Any any, String version, Resource delta, ByteString sotw) {

  public PreparedResource(String name, Any any, String version) {
    this(
        name,
        any,
        version,
        Resource.newBuilder().setName(name).setVersion(version).setResource(any).build(),
        SotwEntries.entry(any));
  }
}
