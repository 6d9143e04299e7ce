package io.telmesh.snapshot;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/**
 * A resource ready to send: packed once (deterministic bytes), with its content version, and as the
 * {@link Resource} a delta response carries. Shared by every stream that sends it, so its
 * serialized size is computed once, not per proxy.
 */
public record PreparedResource(String name, Any any, String version, Resource delta) {

  public PreparedResource(String name, Any any, String version) {
    this(
        name,
        any,
        version,
        Resource.newBuilder().setName(name).setVersion(version).setResource(any).build());
  }
}
