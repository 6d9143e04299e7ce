/**
 * Who is calling on the secure xDS port, and what they may read: callers are authenticated per call
 * (a Kubernetes service-account token checked with TokenReview, or a SPIFFE client certificate),
 * then authorized per stream once its node is known (a workload only for pods running under its
 * service account, an operator for debug types and CSDS).
 */
package io.telmesh.auth;
