/**
 * From source changes to proxies: changes are debounced, each burst becomes one mesh state and one
 * translation, and every connected proxy's snapshot is replaced; the cache sends only what changed.
 */
package io.telmesh.push;
