/**
 * Small, shared pieces of Envoy configuration (names, addresses, filters, deterministic packing)
 * used by the inbound, outbound and proxyless builders, so that every builder spells a filter the
 * same way.
 */
package io.telmesh.envoy;
