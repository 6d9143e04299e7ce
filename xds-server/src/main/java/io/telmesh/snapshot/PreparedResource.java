package io.telmesh.snapshot;

import com.google.protobuf.Any;

/**
 * A resource ready to send: packed once (deterministic bytes), with its content version. Shared
 * by every stream that sends it.
 */
public record PreparedResource(String name, Any any, String version) {}
