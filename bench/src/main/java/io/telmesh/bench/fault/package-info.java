/**
 * Fault injection: the manifest and stream attacks replayed against a running {@code telmesh serve}
 * with sidecars connected ({@link io.telmesh.bench.fault.FaultHarness}).
 */
package io.telmesh.bench.fault;
