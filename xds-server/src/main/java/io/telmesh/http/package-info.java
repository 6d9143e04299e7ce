/** Monitoring over HTTP: Prometheus metrics, readiness, and the problem report. */
package io.telmesh.http;
