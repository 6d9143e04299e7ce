package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.telmesh.kube.KubeObjects;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.Objects;
import io.telmesh.testing.ServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Raw ADS clients (the api jar's stubs) standing in for sidecars, against a real server. */
class XdsServerTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Duration QUIET = Duration.ofMillis(800);
  static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());

  @RegisterExtension final ServerExtension server = ServerExtension.demo();

  private static List<String> names(DiscoveryResponse response) throws Exception {
    List<String> names = new java.util.ArrayList<>();
    for (var any : response.getResourcesList()) {
      if (any.is(Listener.class)) {
        names.add(any.unpack(Listener.class).getName());
      } else if (any.is(Cluster.class)) {
        names.add(any.unpack(Cluster.class).getName());
      } else if (any.is(ClusterLoadAssignment.class)) {
        names.add(any.unpack(ClusterLoadAssignment.class).getClusterName());
      }
    }
    return names;
  }

  @Test
  void sotwSidecarGetsItsConfigAndAcksEndTheExchange() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.CLUSTER, List.of());
      DiscoveryResponse cds = ads.next(TypeUrls.CLUSTER, WAIT);
      assertThat(names(cds))
          .contains(
              "inbound|8080||", "outbound|3868||hss.telco.svc.cluster.local", "PassthroughCluster")
          .noneMatch(n -> n.contains("38412"));
      ads.ack(cds, List.of());
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
      DiscoveryResponse lds = ads.next(TypeUrls.LISTENER, WAIT);
      assertThat(names(lds)).contains("virtualInbound", "virtualOutbound", "10.96.0.20_3868");
      ads.ack(lds, List.of());
      List<String> edsNames = List.of("outbound|3868||hss.telco.svc.cluster.local");
      ads.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addAllResourceNames(edsNames)
              .build());
      DiscoveryResponse eds = ads.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(names(eds)).containsExactlyElementsOf(edsNames);
      ads.ack(eds, edsNames);
      assertThat(ads.drain(QUIET)).as("nothing more after ACKs").isEmpty();
      assertThat(cds.getVersionInfo()).matches("[0-9a-f]{16}");
    }
  }

  @Test
  void nackedVersionIsNeverResentOnlyNewContentIs() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.LISTENER, List.of());
      DiscoveryResponse lds = ads.next(TypeUrls.LISTENER, WAIT);
      ads.nack(lds, "", List.of(), "listener rejected for the test");
      assertThat(ads.drain(QUIET)).as("no re-send loop after a NACK").isEmpty();
      assertThat(server.telmesh().tracker().status(AMF.getId()).get(TypeUrls.LISTENER).nacked())
          .isTrue();

      server.publish(
          Objects.withService(
              server.objects(),
              new io.fabric8.kubernetes.api.model.ServiceBuilder()
                  .withNewMetadata()
                  .withName("new-svc")
                  .withNamespace("telco")
                  .endMetadata()
                  .withNewSpec()
                  .withClusterIP("10.96.0.99")
                  .addNewPort()
                  .withName("tcp-x")
                  .withPort(7777)
                  .endPort()
                  .endSpec()
                  .build()));
      DiscoveryResponse next = ads.next(TypeUrls.LISTENER, WAIT);
      assertThat(next.getVersionInfo()).isNotEqualTo(lds.getVersionInfo());
      assertThat(names(next)).contains("10.96.0.99_7777");
    }
  }

  @Test
  void unknownTypeIsAnsweredAndTheStreamLives() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      String ecds = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig";
      ads.request(AMF, ecds, List.of("some-filter"));
      DiscoveryResponse answer = ads.next(WAIT);
      assertThat(answer.getTypeUrl()).isEqualTo(ecds);
      assertThat(answer.getResourcesCount()).isZero();
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER).build());
      assertThat(names(ads.next(TypeUrls.CLUSTER, WAIT))).isNotEmpty();
      assertThat(ads.closed()).isNotDone();
    }
  }

  @Test
  void missingResourcesAreAnsweredWithWhatExists() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.ENDPOINT, List.of("outbound|1||nope.telco.svc.cluster.local"));
      DiscoveryResponse empty = ads.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(empty.getResourcesCount()).isZero();
      ads.ack(
          empty,
          List.of(
              "outbound|1||nope.telco.svc.cluster.local",
              "outbound|3868||hss.telco.svc.cluster.local"));
      DiscoveryResponse partial = ads.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(names(partial)).containsExactly("outbound|3868||hss.telco.svc.cluster.local");
    }
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(
          AMF,
          TypeUrls.ENDPOINT,
          List.of(
              "outbound|1||nope.telco.svc.cluster.local",
              "outbound|3868||hss.telco.svc.cluster.local"));
      DeltaDiscoveryResponse response = delta.next(TypeUrls.ENDPOINT, WAIT);
      assertThat(response.getResourcesList())
          .extracting(Resource::getName)
          .containsExactly("outbound|3868||hss.telco.svc.cluster.local");
      assertThat(response.getRemovedResourcesList())
          .containsExactly("outbound|1||nope.telco.svc.cluster.local");
      delta.ack(response);
      assertThat(delta.drain(QUIET)).as("a missing name is reported once, not in a loop").isEmpty();
    }
  }

  @Test
  void reconnectingWithTheCurrentVersionGetsNoResend() throws Exception {
    String version;
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(AMF, TypeUrls.LISTENER, List.of());
      version = ads.next(TypeUrls.LISTENER, WAIT).getVersionInfo();
    }
    try (AdsClient.Sotw again = server.client().sotw()) {
      again.send(
          DiscoveryRequest.newBuilder()
              .setNode(AMF)
              .setTypeUrl(TypeUrls.LISTENER)
              .setVersionInfo(version)
              .build());
      assertThat(again.drain(QUIET)).as("same content, same version: nothing to send").isEmpty();
      again.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.CLUSTER)
              .setVersionInfo("stale")
              .build());
      assertThat(again.next(TypeUrls.CLUSTER, WAIT).getResourcesCount()).isPositive();
    }
  }

  @Test
  void malformedNodeIdsAreRejectedWithInvalidArgument() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(
          Node.newBuilder().setId("sidecar~not-an-ip~x").build(), TypeUrls.LISTENER, List.of());
      Status status = ads.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("3 '~'-separated parts");
    }
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
      assertThat(ads.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS).getDescription())
          .contains("must carry the node");
    }
  }

  @Test
  void unknownPodGetsPassthroughThenItsConfigWithoutReconnecting() throws Exception {
    Node newcomer = Nodes.envoyNode("amf-1", "telco", "10.244.1.12", Map.of());
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(newcomer, TypeUrls.LISTENER, List.of());
      DiscoveryResponse minimal = ads.next(TypeUrls.LISTENER, WAIT);
      assertThat(names(minimal)).containsExactlyInAnyOrder("virtualInbound", "virtualOutbound");
      ads.ack(minimal, List.of());
      assertThat(server.telmesh().pipeline().problems())
          .anySatisfy(
              p -> {
                assertThat(p.kind()).isEqualTo("Proxy");
                assertThat(p.name()).isEqualTo("amf-1");
              });

      io.fabric8.kubernetes.api.model.Pod amf0 =
          server.objects().pods().stream()
              .filter(p -> p.getMetadata().getName().equals("amf-0"))
              .findFirst()
              .orElseThrow();
      io.fabric8.kubernetes.api.model.Pod amf1 =
          new io.fabric8.kubernetes.api.model.PodBuilder(amf0)
              .editMetadata()
              .withName("amf-1")
              .removeFromAnnotations("k8s.v1.cni.cncf.io/network-status")
              .endMetadata()
              .editStatus()
              .withPodIP("10.244.1.12")
              .withPodIPs(new io.fabric8.kubernetes.api.model.PodIP("10.244.1.12"))
              .endStatus()
              .build();
      server.publish(Objects.withPod(server.objects(), amf1));
      DiscoveryResponse full = ads.next(TypeUrls.LISTENER, WAIT);
      assertThat(names(full)).contains("virtualInbound", "0.0.0.0_8080", "10.96.0.20_3868");
      assertThat(ads.closed()).isNotDone();
    }
  }

  @Test
  void debugClientsNeverReceiveSidecarConfig() throws Exception {
    Node istioctl = Nodes.envoyNode("test-1", "default", "10.0.0.1", Map.of("GENERATOR", "event"));
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(istioctl, TypeUrls.LISTENER, List.of());
      Status status = ads.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    assertThat(server.telmesh().registry().size()).isZero();
  }

  @Test
  void endpointOnlyChangePushesOnlyEds() throws Exception {
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(AMF, TypeUrls.CLUSTER, List.of());
      DeltaDiscoveryResponse cds = delta.next(TypeUrls.CLUSTER, WAIT);
      delta.ack(cds);
      delta.subscribe(null, TypeUrls.LISTENER, List.of());
      delta.ack(delta.next(TypeUrls.LISTENER, WAIT));
      delta.subscribe(
          null,
          TypeUrls.ENDPOINT,
          List.of(
              "outbound|8080||smf.telco.svc.cluster.local",
              "outbound|3868||ocs.telco.svc.cluster.local"));
      delta.ack(delta.next(TypeUrls.ENDPOINT, WAIT));
      assertThat(delta.drain(QUIET)).isEmpty();

      server.publish(Objects.firstEndpointNotReady(server.objects(), "smf-9dl2c"));
      DeltaDiscoveryResponse eds = delta.next(WAIT);
      assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      assertThat(eds.getResourcesList())
          .extracting(Resource::getName)
          .containsExactly("outbound|8080||smf.telco.svc.cluster.local");
      assertThat(
              eds.getResources(0)
                  .getResource()
                  .unpack(ClusterLoadAssignment.class)
                  .getEndpointsCount())
          .isZero();
      delta.ack(eds);
      assertThat(delta.drain(QUIET)).as("no LDS or CDS after an endpoint-only change").isEmpty();
    }
  }

  @Test
  void twoHundredConcurrentStreamsAllGetTheirConfig() throws Exception {
    KubeObjects generated = MeshGenerator.generate(new MeshGenerator.Shape(50, 200, 3, 4));
    server.publish(generated);
    io.telmesh.model.MeshState mesh = io.telmesh.mesh.MeshStateBuilder.build(generated);
    List<AdsClient.Sotw> streams = new java.util.ArrayList<>();
    List<AdsClient.Delta> deltas = new java.util.ArrayList<>();
    try {
      int i = 0;
      for (io.telmesh.model.Workload pod : mesh.workloads().values()) {
        Node node =
            Nodes.envoyNode(
                pod.name(), pod.namespace(), pod.clusterIps().get(0).address(), Map.of());
        if (i++ % 2 == 0) {
          AdsClient.Sotw ads = server.client().sotw();
          streams.add(ads);
          ads.request(node, TypeUrls.LISTENER, List.of());
        } else {
          AdsClient.Delta delta = server.client().delta();
          deltas.add(delta);
          delta.subscribe(node, TypeUrls.LISTENER, List.of());
        }
      }
      for (AdsClient.Sotw ads : streams) {
        assertThat(names(ads.next(TypeUrls.LISTENER, WAIT))).contains("virtualInbound");
      }
      for (AdsClient.Delta delta : deltas) {
        assertThat(delta.next(TypeUrls.LISTENER, WAIT).getResourcesList())
            .extracting(Resource::getName)
            .contains("virtualInbound");
      }
      assertThat(server.telmesh().registry().size()).isEqualTo(200);
      assertThat(server.telmesh().pipeline().problems()).noneMatch(p -> p.kind().equals("Proxy"));
    } finally {
      streams.forEach(AdsClient.Sotw::close);
      deltas.forEach(AdsClient.Delta::close);
    }
  }
}
