/**
 * Checks that what telmesh emits is something Envoy would accept: the constraints Envoy's own proto
 * definitions declare ({@link io.telmesh.validate.ProtoConstraintValidator}, rules read from the
 * descriptors at run time), and the cross-resource rules Envoy enforces that proto constraints
 * cannot express (unique listener names and addresses, no duplicate filter chain matches, every
 * referenced cluster and route exists, every EDS cluster has endpoints). Both are combined per
 * proxy by {@link io.telmesh.validate.EnvoyValidator}, the one facade the server (before every
 * push) and {@code telmesh validate} both run, so they apply literally the same checks; see
 * docs/validation.md.
 */
package io.telmesh.validate;
