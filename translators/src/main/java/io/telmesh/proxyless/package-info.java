/**
 * Resources for proxyless gRPC (node metadata {@code GENERATOR: grpc}), shaped as Istio's grpc
 * generator serves them and as grpc-go and grpc-java accept them: client listeners ({@code
 * api_listener}) for every spelling of a Service's name a channel target may use, their routes and
 * EDS clusters ({@link io.telmesh.proxyless.ProxylessBuilder}, shared by every client), and the
 * server listeners {@code xds.istio.io/grpc/lds/inbound/<host>:<port>} of a pod running an xDS gRPC
 * server ({@link io.telmesh.proxyless.ProxylessServerBuilder}, per pod).
 */
package io.telmesh.proxyless;
