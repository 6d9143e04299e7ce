/** Wires sources, push pipeline, xDS services and monitoring into one running control plane. */
package io.telmesh.server;
