/**
 * Reading back what telmesh decided and sent, over gRPC: the CSDS service, Istio's debug types on
 * the ADS stream ({@code istio.io/debug/syncz}, {@code istio.io/debug/config_dump}) and telmesh's
 * own ({@code telmesh.io/debug/capture}, {@code telmesh.io/debug/problems}).
 */
package io.telmesh.debug;
