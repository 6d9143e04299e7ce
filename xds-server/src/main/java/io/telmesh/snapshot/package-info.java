/**
 * What proxies are sent, as values: resources packed once and versioned by content, grouped in
 * segments shared between proxies, and per-proxy snapshots by type.
 */
package io.telmesh.snapshot;
