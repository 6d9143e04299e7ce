/**
 * Resources for proxyless gRPC clients (node metadata {@code GENERATOR: grpc}): an {@code
 * api_listener} per Service host and port, as grpc-java's xDS client resolves {@code
 * xds:///<fqdn>:<port>}.
 */
package io.telmesh.proxyless;
