package io.telmesh.bench;

import com.google.protobuf.Message;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import io.telmesh.validate.CrossResourceValidator;
import io.telmesh.validate.EnvoyValidator;
import io.telmesh.validate.ProtoConstraintValidator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Validation cost on the reference mesh (1000 Services, 2000 pods, 3 interfaces), to compare with
 * {@link TranslationBenchmark}: a proxy's full resource set checked every time, and the server's
 * way, shared segments once per mesh version and only a proxy's own part per proxy. Every per-proxy
 * method includes the {@code forProxy} call, as the server would pay it.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ValidationBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g"})
public class ValidationBenchmark {

  private EnvoyValidator warm;
  private final ProtoConstraintValidator constraints = ProtoConstraintValidator.envoy();

  @Setup(Level.Trial)
  public void setUp(ReferenceMesh reference) {
    warm = EnvoyValidator.create();
    reference.nodes.forEach(n -> warm.validate(reference.translation.forProxy(n)));
  }

  /** Baseline for the figures below: translation alone. */
  @Benchmark
  public ProxyResources translateOnly(ReferenceMesh reference) {
    return reference.nextProxy();
  }

  /** Proto constraints of every resource of a proxy (~4000), nothing remembered. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int protoConstraintsFullSetPerProxy(ReferenceMesh reference) {
    ProxyResources resources = reference.nextProxy();
    return count(resources.listeners())
        + count(resources.clusters())
        + count(resources.routes())
        + count(resources.endpoints());
  }

  /**
   * Proto constraints the server's way: shared segments from memory, the proxy's own part checked.
   */
  @Benchmark
  public int protoConstraintsPerProxyShared(ReferenceMesh reference) {
    return warm.constraints(reference.nextProxy()).size();
  }

  /** Proto constraints of every shared resource, once per mesh version. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int protoConstraintsSharedPerMeshVersion(ReferenceMesh reference) {
    EnvoyValidator cold = EnvoyValidator.create();
    return cold.constraints(reference.translation.forProxy(reference.nodes.get(0))).size();
  }

  /** Cross-resource rules over a proxy's full set (names, addresses, references). */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int crossResourcePerProxy(ReferenceMesh reference) {
    return CrossResourceValidator.validate(reference.nextProxy()).size();
  }

  /**
   * What the server runs before every push and {@code telmesh validate} per pod ({@link
   * EnvoyValidator}): constraints and facts per segment from memory, the combination remembered per
   * set of facts.
   */
  @Benchmark
  public int serverPerProxy(ReferenceMesh reference) {
    return warm.validate(reference.nextProxy()).size();
  }

  private <T extends Message> int count(ResourceSet<T> set) {
    int violations = 0;
    for (ResourceSegment<T> segment : set.segments()) {
      for (T resource : segment.byName().values()) {
        violations += constraints.validate(resource).size();
      }
    }
    return violations;
  }
}
