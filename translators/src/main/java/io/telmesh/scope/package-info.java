/**
 * Which part of the mesh a sidecar sees: the Istio Sidecar that applies to its pod, resolved to an
 * {@link io.telmesh.scope.EgressScope} that sidecars with the same view share.
 */
package io.telmesh.scope;
