package io.telmesh.snapshot;

/**
 * What one response carried: its version, the snapshot it was cut from and what the proxy
 * subscribed to. References only: the snapshot is shared with the cache.
 */
public record Responded(String version, TypeSnapshot snapshot, Subscription subscription) {}
