/**
 * Envoy v3 bootstraps for telmesh sidecars, shaped as Istio's ({@code envoy_bootstrap.json}): node
 * identity and metadata, ADS to the telmesh server, admin, and the Prometheus and readiness
 * listeners, served straight from the admin endpoint since no Istio agent runs beside Envoy.
 */
package io.telmesh.bootstrap;
