package io.telmesh.bench;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.util.List;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The mesh the benchmarks measure (by default the reference mesh: 1000 Services, 2000 pods, 3
 * interfaces each), generated, built and translated once per trial, with one sidecar node per pod
 * handed out round robin.
 */
@State(Scope.Benchmark)
public class ReferenceMesh {

  @Param({"1000"})
  public int services;

  @Param({"2000"})
  public int pods;

  @Param({"3"})
  public int interfaces;

  KubeObjects objects;
  MeshState mesh;
  MeshTranslation translation;
  List<ProxyNode> nodes;
  private int next;

  @Setup(Level.Trial)
  public void generate() {
    objects = MeshGenerator.generate(new MeshGenerator.Shape(services, pods, interfaces, 10));
    mesh = MeshStateBuilder.build(objects);
    translation = Translator.prepare(mesh);
    nodes =
        mesh.workloads().keySet().stream()
            .map((NamespacedName k) -> Nodes.forWorkload(mesh, k))
            .toList();
  }

  /** The next pod's sidecar, round robin, so no one proxy's memo answers every call. */
  ProxyNode nextNode() {
    return nodes.get(next++ % nodes.size());
  }

  /** The next sidecar's resources in the prepared translation. */
  ProxyResources nextProxy() {
    return translation.forProxy(nextNode());
  }
}
