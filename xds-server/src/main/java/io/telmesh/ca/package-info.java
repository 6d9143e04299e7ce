/**
 * The secure xDS port's own CA, for clusters without cert-manager: a root kept in a Kubernetes
 * Secret (made once, then shared by every replica and restart), the serving certificate each
 * replica issues itself from it and renews, and the root published as a ConfigMap in every watched
 * namespace, as istiod publishes {@code istio-ca-root-cert}.
 */
package io.telmesh.ca;
