/**
 * The xDS load harness: thousands of simulated sidecars (SotW and delta ADS streams over real gRPC
 * on loopback) against telmesh, against java-control-plane used the stock way, and against a plain
 * gRPC "ceiling" that pushes the same pre-serialized bytes. Each server runs in its own JVM so its
 * CPU and heap are measured alone. Run: {@code java -cp bench/target/benchmarks.jar
 * io.telmesh.bench.load.LoadHarness}.
 */
package io.telmesh.bench.load;
