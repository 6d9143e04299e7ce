/**
 * The outbound side: per-Service listeners, clusters, routes and endpoints, built once per mesh
 * state and shared by every sidecar, plus the per-pod {@code virtualOutbound} listener.
 */
package io.telmesh.outbound;
