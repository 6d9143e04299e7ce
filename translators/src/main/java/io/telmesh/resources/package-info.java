/**
 * The vocabulary every builder and consumer of translated config shares: what shapes a proxy's
 * resources ({@link io.telmesh.resources.ProxyProfile}), the unit of sharing between proxies
 * ({@link io.telmesh.resources.ResourceSegment}), and what one proxy is sent, by type ({@link
 * io.telmesh.resources.ResourceSet}, {@link io.telmesh.resources.ProxyResources}). It sits below
 * the builders ({@code inbound}, {@code outbound}, {@code proxyless}) and the {@code translate}
 * entry point that combines them, and below {@code validate}, so no package depends on one above
 * it.
 */
package io.telmesh.resources;
