package io.telmesh.bench.load;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.testing.MeshGenerator;
import java.util.List;
import java.util.Map;

/**
 * The harness's mesh, the same in the harness and its server processes: the generated reference
 * mesh, plus, when {@code TELMESH_BENCH_SIDECAR=own-namespace}, Istio's recommended root Sidecar
 * ({@code istio-system/default}, egress {@code ./*}): each sidecar sees its own namespace's
 * Services only.
 */
final class BenchMesh {

  static final String SIDECAR_ENV = "TELMESH_BENCH_SIDECAR";

  private BenchMesh() {}

  static KubeObjects generate(MeshGenerator.Shape shape) {
    KubeObjects objects = MeshGenerator.generate(shape);
    String sidecar = System.getenv(SIDECAR_ENV);
    if (sidecar == null || sidecar.isBlank()) {
      return objects;
    }
    if (!sidecar.equals("own-namespace")) {
      throw new IllegalArgumentException(SIDECAR_ENV + " must be own-namespace or unset");
    }
    return new KubeObjects(
        objects.services(),
        objects.endpointSlices(),
        objects.pods(),
        objects.networkAttachments(),
        objects.sourceProblems(),
        List.of(ownNamespaceSidecar()));
  }

  /** Whether the mesh carries the Sidecar: printed with the figures. */
  static String describe() {
    String sidecar = System.getenv(SIDECAR_ENV);
    return sidecar == null || sidecar.isBlank() ? "no Sidecar" : "Sidecar " + sidecar;
  }

  private static GenericKubernetesResource ownNamespaceSidecar() {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("networking.istio.io/v1")
        .withKind("Sidecar")
        .withNewMetadata()
        .withName("default")
        .withNamespace("istio-system")
        .withCreationTimestamp("2024-01-01T00:00:00Z")
        .endMetadata()
        .withAdditionalProperties(
            Map.of("spec", Map.of("egress", List.of(Map.of("hosts", List.of("./*"))))))
        .build();
  }
}
