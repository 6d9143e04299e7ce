package io.telmesh.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.Meshes;
import org.junit.jupiter.api.Test;

/** The service account a pod runs as: what the secure xDS port authorizes its proxy by. */
class PodServiceAccountTest {

  private static final KubeObjects DEMO = Meshes.objects(Meshes.demoDir());
  private static final NamespacedName AMF = new NamespacedName("telco", "amf-0");

  private static MeshState withAmf(
      java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.PodBuilder> edit) {
    return MeshStateBuilder.build(KubeEdits.editPod(DEMO, "telco", "amf-0", edit));
  }

  @Test
  void aPodWithoutOneRunsAsDefaultAsKubernetesAdmitsIt() {
    assertThat(MeshStateBuilder.build(DEMO).workload(AMF).orElseThrow().serviceAccount())
        .isEqualTo("default");
  }

  @Test
  void serviceAccountNameIsReadAndTheDeprecatedFieldIsTheFallback() {
    assertThat(
            withAmf(p -> p.editSpec().withServiceAccountName("amf").endSpec())
                .workload(AMF)
                .orElseThrow()
                .serviceAccount())
        .isEqualTo("amf");
    assertThat(
            withAmf(p -> p.editSpec().withServiceAccount("legacy").endSpec())
                .workload(AMF)
                .orElseThrow()
                .serviceAccount())
        .isEqualTo("legacy");
  }

  @Test
  void anInvalidNameIsAProblemAndIsNotTurnedIntoDefault() {
    MeshState mesh =
        withAmf(p -> p.editSpec().withServiceAccountName("Amf\n:system:masters").endSpec());
    assertThat(mesh.workload(AMF).orElseThrow().serviceAccount()).isNotEqualTo("default");
    assertThat(mesh.problems())
        .filteredOn(p -> p.field().equals("spec.serviceAccountName"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.name()).isEqualTo("amf-0");
              assertThat(p.reason()).contains("is not a service account name", "Amf?:system");
            });
    // The rest of the pod is still there.
    assertThat(mesh.workload(AMF).orElseThrow().interfaces()).hasSizeGreaterThan(1);
  }
}
