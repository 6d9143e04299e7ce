package io.telmesh.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Objects;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelmeshMetricsTest {

  private static final String AMF_NET1 =
      "telmesh_pod_network_interface{interface=\"net1\",namespace=\"telco\",network=\"telco/signaling\",pod=\"amf-0\"} 1.0";

  /**
   * The per-interface rows are registered again only when they change (they cost ~50 ms per push on
   * the reference mesh): an unchanged mesh keeps them, as does an endpoint change's state (which
   * skips computing them), and a pod that leaves afterwards still takes its rows along.
   */
  @Test
  void podInterfaceRowsFollowThePodsAcrossMeshStates() {
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    MeshStateBuilder builder = new MeshStateBuilder();
    try (TelmeshMetrics metrics = new TelmeshMetrics(() -> 0, () -> 0)) {
      metrics.meshServed(builder.next(demo));
      assertThat(metrics.scrape()).contains(AMF_NET1);

      metrics.meshServed(builder.next(demo));
      assertThat(metrics.scrape()).as("an unchanged mesh keeps its rows").contains(AMF_NET1);

      MeshState served = builder.next(demo);
      metrics.meshServed(served.withEndpoints(Map.of(), served.problems()));
      assertThat(metrics.scrape())
          .as("an endpoint change's state, sharing the workloads, keeps the rows")
          .contains(AMF_NET1);

      metrics.meshServed(builder.next(Objects.withoutPod(demo, "amf-0")));
      assertThat(metrics.scrape()).doesNotContain("pod=\"amf-0\"").contains("pod=\"smf-0\"");

      metrics.meshServed(builder.next(demo));
      assertThat(metrics.scrape()).as("the pod is back").contains(AMF_NET1);
    }
  }
}
