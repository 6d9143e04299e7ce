package io.telmesh.capture;

import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.testing.Goldens;
import io.telmesh.testing.Meshes;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The capture plan of every demo pod, as rules (what {@code telmesh iptables --pod} prints, both
 * families) and as plan JSON. Regenerate with {@code -Dgolden.update=true} and review the diff.
 */
class CaptureGoldenTest {

  private static final MeshState DEMO = Meshes.demo();

  static Stream<NamespacedName> pods() {
    return DEMO.workloads().keySet().stream();
  }

  private static Path golden(String file) {
    return Meshes.repoRoot().resolve("translators/src/test/resources/golden/capture").resolve(file);
  }

  @ParameterizedTest
  @MethodSource("pods")
  void rules(NamespacedName pod) {
    CapturePlan plan = CapturePlanBuilder.forPod(DEMO, pod, false);
    StringBuilder text = new StringBuilder();
    for (IpFamily family : IpFamily.values()) {
      text.append("### IPv")
          .append(family.number())
          .append('\n')
          .append(PlanText.payload(plan, family));
    }
    Goldens.assertMatches(golden(pod.namespace() + "." + pod.name() + ".rules"), text.toString());
  }

  @ParameterizedTest
  @MethodSource("pods")
  void planJson(NamespacedName pod) {
    Goldens.assertMatches(
        golden(pod.namespace() + "." + pod.name() + ".json"),
        PlanText.json(CapturePlanBuilder.forPod(DEMO, pod, false)));
  }
}
