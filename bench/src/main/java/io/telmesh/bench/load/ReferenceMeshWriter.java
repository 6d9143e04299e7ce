package io.telmesh.bench.load;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.telmesh.kube.KubeObjects;
import io.telmesh.testing.MeshGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the load harness's mesh as a manifest directory (one file per kind), so {@code telmesh
 * serve --manifests DIR} can be timed on it from a cold start: {@code java -cp
 * bench/target/benchmarks.jar io.telmesh.bench.load.ReferenceMeshWriter DIR [SERVICES PODS
 * INTERFACES]}.
 */
public final class ReferenceMeshWriter {

  private ReferenceMeshWriter() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1 && args.length != 4) {
      System.err.println("usage: ReferenceMeshWriter DIR [SERVICES PODS INTERFACES]");
      System.exit(2);
    }
    MeshGenerator.Shape shape =
        args.length == 4
            ? new MeshGenerator.Shape(
                Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), 10)
            : new MeshGenerator.Shape(1000, 2000, 3, 10);
    System.out.println(write(Path.of(args[0]), shape));
  }

  /** Writes the mesh of this shape into {@code dir}; returns what was written, one line. */
  static String write(Path dir, MeshGenerator.Shape shape) throws IOException {
    KubeObjects objects = BenchMesh.generate(shape);
    Files.createDirectories(dir);
    write(dir.resolve("10-networks.yaml"), objects.networkAttachments());
    write(dir.resolve("20-pods.yaml"), objects.pods());
    write(dir.resolve("30-services.yaml"), objects.services());
    write(dir.resolve("40-endpointslices.yaml"), objects.endpointSlices());
    write(dir.resolve("50-istio.yaml"), objects.istioObjects());
    return String.format(
        "wrote %d services, %d pods, %d endpoint slices to %s",
        objects.services().size(), objects.pods().size(), objects.endpointSlices().size(), dir);
  }

  private static void write(Path file, List<? extends HasMetadata> objects) throws IOException {
    List<String> documents = new ArrayList<>();
    for (HasMetadata object : objects) {
      documents.add(Serialization.asYaml(object));
    }
    Files.writeString(file, String.join("", documents), StandardCharsets.UTF_8);
  }
}
