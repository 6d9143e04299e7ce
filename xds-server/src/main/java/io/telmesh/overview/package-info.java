/**
 * The mesh by network, for people and scripts: which pods sit on each network with which interfaces
 * and addresses, which Services are served there, which ports the sidecar catches and which bypass
 * it (and why), and each connected proxy's sync state. Built from one mesh state and the proxies'
 * status; served as JSON and as the page on the monitoring port's {@code /}.
 */
package io.telmesh.overview;
