/**
 * Checks that what telmesh emits is something Envoy would accept: the cross-resource rules
 * Envoy enforces that proto constraints cannot express (unique listener names and addresses,
 * no duplicate filter chain matches, every referenced cluster and route exists, every EDS
 * cluster has endpoints). Reused by tests, the server and {@code telmesh validate}.
 */
package io.telmesh.validate;
