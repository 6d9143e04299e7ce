package io.telmesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.PodInterface;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An object that turns malformed (as an API server lets an annotation be) keeps what it served
 * until it is fixed or deleted; a new object under the same name starts afresh.
 */
class LastGoodReadsTest {

  private static final NamespacedName POD = new NamespacedName("t", "app-0");
  private static final String GOOD =
      "[{\"name\":\"kindnet\",\"interface\":\"eth0\",\"ips\":[\"10.0.0.5\"],\"default\":true},"
          + "{\"name\":\"t/sig\",\"interface\":\"net1\",\"ips\":[\"192.168.0.5\"]}]";
  private static final String CUT = GOOD.substring(0, 60);

  private static Pod pod(String uid, String networkStatus) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("app-0")
        .withNamespace("t")
        .withUid(uid)
        .withResourceVersion(uid + "-" + networkStatus.length())
        .addToAnnotations("k8s.v1.cni.cncf.io/network-status", networkStatus)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("c")
        .withImage("i")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("10.0.0.5")
        .endStatus()
        .build();
  }

  private static KubeObjects objects(Pod... pods) {
    return new KubeObjects(List.of(), List.of(), List.of(pods), List.of(), List.of());
  }

  private static List<String> interfaces(MeshState state) {
    return state.workload(POD).orElseThrow().interfaces().stream().map(PodInterface::name).toList();
  }

  @Test
  void aPodWhoseNetworkStatusBreaksKeepsItsInterfacesUntilFixedOrRecreated() {
    MeshStateBuilder builder = new MeshStateBuilder();
    assertThat(interfaces(builder.next(objects(pod("u1", GOOD))))).containsExactly("eth0", "net1");

    MeshState broken = builder.next(objects(pod("u1", CUT)));
    assertThat(interfaces(broken)).as("net1 is not withdrawn").containsExactly("eth0", "net1");
    assertThat(broken.problems())
        .anySatisfy(p -> assertThat(p.reason()).contains("malformed JSON"))
        .anySatisfy(
            p ->
                assertThat(p.reason())
                    .startsWith("serving its last reading without problems (resourceVersion u1-")
                    .endsWith("until it is fixed or deleted"));
    assertThat(interfaces(builder.next(objects(pod("u1", CUT)))))
        .as("and stays so while broken")
        .containsExactly("eth0", "net1");

    assertThat(interfaces(builder.next(objects(pod("u2", CUT)))))
        .as("a pod recreated under the name is read as it is")
        .containsExactly("eth0");
    assertThat(interfaces(builder.next(objects(pod("u2", GOOD))))).containsExactly("eth0", "net1");
    builder.next(objects());
    assertThat(interfaces(builder.next(objects(pod("u2", CUT)))))
        .as("a deletion forgets")
        .containsExactly("eth0");
  }

  @Test
  void aOneOffBuildHasNoPast() {
    assertThat(interfaces(MeshStateBuilder.build(objects(pod("u1", CUT))))).containsExactly("eth0");
  }
}
