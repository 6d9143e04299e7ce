package io.telmesh.bench.load;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.snapshot.SnapshotFactory;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import io.telmesh.validate.EnvoyValidator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one endpoint change costs the push thread before any proxy is served, at several mesh sizes:
 * {@link MeshStateBuilder#next} (the mesh state) and {@link Translator#prepare} against the
 * previous translation (the shared part), each the median of many flips of one endpoint's readiness
 * after a warm-up. Medians, because the collector's pauses land on either. Then what the change
 * costs per proxy, as a push worker does it for {@value #PROXIES} proxies: its translation, its
 * snapshot and Envoy's rules, on one thread with nothing else running, so that the push's queue in
 * the load harness can be told apart from the work itself.
 *
 * <p>{@code java -Xmx4g -cp bench/target/benchmarks.jar io.telmesh.bench.load.EndpointChangeHarness
 * [services ...]}, default {@code 250 1000 4000} (with twice as many pods, 3 interfaces each).
 */
public final class EndpointChangeHarness {

  private static final int WARMUP = 40;
  private static final int MEASURED = 100;
  private static final int PROXIES = 500;

  private EndpointChangeHarness() {}

  public static void main(String[] args) {
    List<Integer> sizes = new ArrayList<>();
    for (String arg : args) {
      sizes.add(Integer.parseInt(arg));
    }
    if (sizes.isEmpty()) {
      sizes = List.of(250, 1000, 4000);
    }
    System.out.println(
        "| services | pods | mesh state (next), median | shared translation, median |"
            + " per proxy (translation, snapshot, validation), median |");
    System.out.println("|---|---|---|---|---|");
    for (int services : sizes) {
      KubeObjects base = BenchMesh.generate(new MeshGenerator.Shape(services, services * 2, 3, 10));
      MeshStateBuilder builder = new MeshStateBuilder();
      MeshState first = builder.next(base);
      MeshTranslation translation = Translator.prepare(first);
      List<ProxyNode> nodes = BenchServer.nodes(first).stream().limit(PROXIES).toList();
      SnapshotFactory snapshots = new SnapshotFactory();
      EnvoyValidator validator = EnvoyValidator.create();
      pushWork(translation, nodes, snapshots, validator, 0);
      List<Long> next = new ArrayList<>();
      List<Long> prepare = new ArrayList<>();
      List<Long> perProxy = new ArrayList<>();
      for (int i = 0; i < WARMUP + MEASURED; i++) {
        KubeObjects flipped = BenchServer.withEndpointFlip(base, i);
        long started = System.nanoTime();
        MeshState mesh = builder.next(flipped);
        long built = System.nanoTime();
        MeshTranslation following = Translator.prepare(mesh, translation);
        long prepared = System.nanoTime();
        pushWork(following, nodes, snapshots, validator, i + 1);
        long pushed = System.nanoTime();
        following.forgetPrevious();
        translation = following;
        if (i >= WARMUP) {
          next.add(built - started);
          prepare.add(prepared - built);
          perProxy.add((pushed - prepared) / nodes.size());
        }
      }
      System.out.printf(
          "| %d | %d | %.2f ms | %.2f ms | %.3f ms |%n",
          services, services * 2, median(next), median(prepare), median(perProxy));
    }
  }

  /** A push worker's part, proxy after proxy: translate, snapshot, check (PushPipeline.push). */
  private static void pushWork(
      MeshTranslation translation,
      List<ProxyNode> nodes,
      SnapshotFactory snapshots,
      EnvoyValidator validator,
      long generation) {
    for (ProxyNode node : nodes) {
      ProxyResources resources = translation.forProxy(node);
      snapshots.snapshot(resources, generation, Instant.EPOCH);
      if (!validator.validate(resources).isEmpty()) {
        throw new IllegalStateException("the reference mesh breaks Envoy's rules for " + node.id());
      }
    }
  }

  private static double median(List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2) / 1e6;
  }
}
