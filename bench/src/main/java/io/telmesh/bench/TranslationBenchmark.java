package io.telmesh.bench;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.node.ProxyNode;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.ProxyResources;
import io.telmesh.translate.Translator;
import io.telmesh.validate.CrossResourceValidator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Translation cost on the reference mesh (1000 Services, 2000 pods, 3 interfaces each):
 * the per-proxy part, the shared part built once per mesh version, and the mesh state itself.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar TranslationBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
public class TranslationBenchmark {

  @Param({"1000"})
  int services;

  @Param({"2000"})
  int pods;

  @Param({"3"})
  int interfaces;

  private KubeObjects objects;
  private MeshState mesh;
  private MeshTranslation translation;
  private List<ProxyNode> nodes;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    objects = MeshGenerator.generate(new MeshGenerator.Shape(services, pods, interfaces, 10));
    mesh = MeshStateBuilder.build(objects);
    translation = Translator.prepare(mesh);
    nodes = mesh.workloads().keySet().stream().map((NamespacedName k) -> Nodes.forWorkload(mesh, k)).toList();
  }

  /** The per-pod part of one proxy (shared outbound resources are referenced, not rebuilt). */
  @Benchmark
  public ProxyResources perProxy() {
    ProxyNode node = nodes.get(next++ % nodes.size());
    return translation.forProxy(node);
  }

  /** Everything built once per mesh version: endpoints, shared outbound, proxyless. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public MeshTranslation sharedPerMeshVersion() {
    return Translator.prepare(mesh);
  }

  /** Kubernetes objects to the mesh model. */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public MeshState meshState() {
    return MeshStateBuilder.build(objects);
  }

  /** Cross-resource validation of one proxy's full resource set (for the validation budget). */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int crossResourceValidationPerProxy() {
    ProxyNode node = nodes.get(next++ % nodes.size());
    return CrossResourceValidator.validate(translation.forProxy(node)).size();
  }
}
