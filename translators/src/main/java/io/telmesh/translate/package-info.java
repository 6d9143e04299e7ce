/**
 * The translator: a pure function of a {@link io.telmesh.model.MeshState} and a proxy's identity to
 * that proxy's Envoy resources. The outbound part every proxy shares is built once per mesh state
 * ({@link io.telmesh.translate.MeshTranslation}); only the per-pod part is built per proxy.
 */
package io.telmesh.translate;
