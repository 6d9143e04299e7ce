/**
 * The per-pod inbound side: the {@code virtualInbound} listener (Istio's chains plus telmesh's
 * per-interface chains) and the {@code inbound|<port>||} clusters.
 */
package io.telmesh.inbound;
