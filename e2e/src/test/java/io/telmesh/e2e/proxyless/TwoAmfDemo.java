package io.telmesh.e2e.proxyless;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.source.BundledDemo;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled demo mesh with a second amf replica, {@code amf-1} (10.244.1.12 on eth0, .12 on the
 * signaling and RAN networks), in the amf Service's EndpointSlice: so that an endpoint of amf can
 * go not-ready while amf keeps serving.
 */
final class TwoAmfDemo {

  static final String AMF_1_ETH0 = "10.244.1.12";
  private static final String NETWORK_STATUS = "k8s.v1.cni.cncf.io/network-status";

  private TwoAmfDemo() {}

  static KubeObjects objects(boolean amf1Ready) {
    return objects(amf1Ready, List.of());
  }

  /** With these Istio objects; amf-1 carries {@code version: v2} for subsets to pick it. */
  static KubeObjects objects(boolean amf1Ready, List<GenericKubernetesResource> istio) {
    KubeObjects demo = BundledDemo.read();
    Pod amf0 =
        demo.pods().stream()
            .filter(p -> p.getMetadata().getName().equals("amf-0"))
            .findFirst()
            .orElseThrow();
    String status =
        amf0.getMetadata().getAnnotations().get(NETWORK_STATUS).replaceAll("\\.10([\"/])", ".12$1");
    Pod amf1 =
        new PodBuilder(amf0)
            .editMetadata()
            .withName("amf-1")
            .addToAnnotations(NETWORK_STATUS, status)
            .addToLabels("version", "v2")
            .endMetadata()
            .editStatus()
            .withPodIP(AMF_1_ETH0)
            .withPodIPs(new PodIP(AMF_1_ETH0))
            .endStatus()
            .build();
    List<Pod> pods = new ArrayList<>(demo.pods());
    pods.add(amf1);
    List<EndpointSlice> slices = new ArrayList<>();
    for (EndpointSlice slice : demo.endpointSlices()) {
      if (!slice.getMetadata().getLabels().get("kubernetes.io/service-name").equals("amf")) {
        slices.add(slice);
        continue;
      }
      slices.add(
          new EndpointSliceBuilder(slice)
              .addNewEndpoint()
              .withAddresses(AMF_1_ETH0)
              .withNewConditions()
              .withReady(amf1Ready)
              .withServing(amf1Ready)
              .withTerminating(false)
              .endConditions()
              .withNewTargetRef()
              .withKind("Pod")
              .withNamespace("telco")
              .withName("amf-1")
              .endTargetRef()
              .endEndpoint()
              .build());
    }
    return new KubeObjects(
        demo.services(), slices, pods, demo.networkAttachments(), demo.sourceProblems(), istio);
  }
}
