/**
 * The xDS serving core, built on java-control-plane's {@code V3DiscoveryServer} with telmesh's own
 * {@link io.envoyproxy.controlplane.cache.ConfigWatcher} ({@link io.telmesh.xds.ProxyCache}) and a
 * stream filter in front of the library ({@link io.telmesh.xds.XdsStreamFilter}). Together they
 * neutralise the library's known defects: no re-send loop after a NACK, missing resources answered,
 * unknown and debug type URLs answered without killing the stream, versions per resource type
 * derived from content, fan-out off the source threads, and serialized resources shared across
 * streams.
 */
package io.telmesh.xds;
