package io.telmesh.bench;

import io.telmesh.debug.ProxySync;
import io.telmesh.debug.ProxySync.TypeSync;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.overview.MeshOverview;
import io.telmesh.overview.MeshOverviewBuilder;
import io.telmesh.overview.OverviewJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * What one answer of {@code /api/v1/mesh} (the mesh page polls it every 2 s) costs on the reference
 * mesh with every pod's sidecar connected, beside building the mesh state it shows (the reference,
 * measured in the same run). Setup prints the answer's size.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar OverviewBenchmark -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx4g"})
public class OverviewBenchmark {

  private List<ProxySync> proxies;
  private final OverviewJson json = new OverviewJson();

  @Setup(Level.Trial)
  public void setUp(ReferenceMesh reference) {
    Map<String, TypeSync> synced =
        Map.of(
            "CDS", new TypeSync("SYNCED", "2026-12-02T10:00:00Z/41", ""),
            "EDS", new TypeSync("SYNCED", "2026-12-02T10:00:00Z/41", ""),
            "LDS", new TypeSync("SYNCED", "2026-12-02T10:00:00Z/41", ""),
            "RDS", new TypeSync("SYNCED", "2026-12-02T10:00:00Z/41", ""));
    proxies =
        reference.mesh.workloads().keySet().stream()
            .map(
                (NamespacedName pod) ->
                    new ProxySync(
                        "sidecar~10.0.0.1~" + pod.name() + "." + pod.namespace() + "~x",
                        pod.name() + "." + pod.namespace(),
                        "sidecar",
                        pod,
                        synced))
            .toList();
    int bytes = answer(reference).getBytes(StandardCharsets.UTF_8).length;
    System.out.printf(
        "%n/api/v1/mesh on %d pods, %d Services, %d proxies: %d bytes%n",
        reference.mesh.workloads().size(), reference.mesh.services().size(), proxies.size(), bytes);
  }

  private String answer(ReferenceMesh reference) {
    MeshState mesh = reference.mesh;
    MeshOverview overview =
        MeshOverviewBuilder.build(Instant.EPOCH, 1, true, mesh, proxies, mesh.problems());
    return json.write(overview);
  }

  /** The overview built and written as JSON, as the monitoring server answers it. */
  @Benchmark
  public String meshAnswer(ReferenceMesh reference) {
    return answer(reference);
  }

  /** The reference: building the mesh state itself from the Kubernetes objects. */
  @Benchmark
  public MeshState meshState(ReferenceMesh reference) {
    return MeshStateBuilder.build(reference.objects);
  }
}
