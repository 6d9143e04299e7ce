/**
 * Proxy identity as Istio spells it: the node id {@code sidecar~IP~POD.NS~NS.svc.cluster.local} and
 * the node metadata telmesh reads, parsed with explicit validation errors.
 */
package io.telmesh.node;
