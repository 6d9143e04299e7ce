/**
 * Joins what the readers produced into one {@link io.telmesh.model.MeshState}: which pods each
 * Service selects, which ports each pod serves inbound, and each Service port's endpoints, on the
 * cluster network or on a secondary one.
 */
package io.telmesh.mesh;
