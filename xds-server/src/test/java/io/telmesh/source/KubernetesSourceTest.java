package io.telmesh.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.NamespacedName;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes source against fabric8's mock API server in CRUD mode: creates, updates and
 * deletes reach a connected sidecar; the API server going away and coming back loses nothing.
 */
class KubernetesSourceTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  private static final CustomResourceDefinitionContext NAD =
      new CustomResourceDefinitionContext.Builder()
          .withGroup("k8s.cni.cncf.io")
          .withVersion("v1")
          .withPlural("network-attachment-definitions")
          .withKind("NetworkAttachmentDefinition")
          .withScope("Namespaced")
          .build();
  private static final CustomResourceDefinitionContext DESTINATION_RULE =
      new CustomResourceDefinitionContext.Builder()
          .withGroup("networking.istio.io")
          .withVersion("v1")
          .withPlural("destinationrules")
          .withKind("DestinationRule")
          .withScope("Namespaced")
          .build();

  private KubernetesCrudDispatcher dispatcher;
  private KubernetesMockServer api;
  private KubernetesClient kube;
  private TelmeshServer telmesh;
  private KubernetesSource source;
  private AdsClient client;

  @BeforeEach
  void start() throws Exception {
    dispatcher =
        new KubernetesCrudDispatcher(
            List.of(
                NAD,
                DESTINATION_RULE,
                new CustomResourceDefinitionContext.Builder()
                    .withGroup("networking.istio.io")
                    .withVersion("v1")
                    .withPlural("virtualservices")
                    .withKind("VirtualService")
                    .withScope("Namespaced")
                    .build()));
    api =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    api.init(InetAddress.getLoopbackAddress(), 0);
    kube = api.createClient();
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    demo.networkAttachments()
        .forEach(
            n ->
                kube.genericKubernetesResources(KubeObjects.NAD_API_VERSION, KubeObjects.NAD_KIND)
                    .inNamespace("telco")
                    .resource(clean(n))
                    .create());
    demo.pods().forEach(p -> kube.pods().inNamespace("telco").resource(clean(p)).create());
    demo.services().forEach(s -> kube.services().inNamespace("telco").resource(clean(s)).create());
    demo.endpointSlices()
        .forEach(
            e ->
                kube.discovery()
                    .v1()
                    .endpointSlices()
                    .inNamespace("telco")
                    .resource(clean(e))
                    .create());

    telmesh =
        new TelmeshServer(
                new ServerOptions(
                    "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                source = new KubernetesSource(api.createClient(), Optional.empty()),
                List.of())
            .start();
    assertThat(telmesh.pipeline().awaitReady(WAIT)).isTrue();
    client = new AdsClient(telmesh.xdsPort());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    telmesh.close();
    kube.close();
    api.destroy();
  }

  private static <T extends HasMetadata> T clean(T object) {
    object.getMetadata().setResourceVersion(null);
    object.getMetadata().setCreationTimestamp(null);
    return object;
  }

  private static DeltaDiscoveryResponse await(
      AdsClient.Delta delta, String type, Predicate<DeltaDiscoveryResponse> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      DeltaDiscoveryResponse response =
          delta.next(type, Duration.ofNanos(deadline - System.nanoTime()));
      delta.ack(response);
      if (what.test(response)) {
        return response;
      }
    }
    throw new AssertionError("no matching " + type + " response");
  }

  private static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).toList();
  }

  @Test
  void changesReachConnectedSidecarsAndAnApiOutageLosesNothing() throws Exception {
    try (AdsClient.Delta delta = client.delta()) {
      delta.subscribe(AMF, TypeUrls.LISTENER, List.of());
      DeltaDiscoveryResponse initial =
          await(delta, TypeUrls.LISTENER, r -> names(r).contains("10.96.0.20_3868"));
      assertThat(names(initial)).contains("virtualInbound", "0.0.0.0_8080");

      // create a Service
      kube.services()
          .inNamespace("telco")
          .resource(
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("pcf")
                  .withNamespace("telco")
                  .endMetadata()
                  .withNewSpec()
                  .withClusterIP("10.96.0.50")
                  .addNewPort()
                  .withName("tcp-n7")
                  .withPort(7777)
                  .endPort()
                  .endSpec()
                  .build())
          .create();
      await(delta, TypeUrls.LISTENER, r -> names(r).contains("10.96.0.50_7777"));

      // delete it
      kube.services().inNamespace("telco").withName("pcf").delete();
      await(delta, TypeUrls.LISTENER, r -> r.getRemovedResourcesList().contains("10.96.0.50_7777"));

      // a network-status change on amf-0: net2 goes away, its chains with it
      Pod amf = kube.pods().inNamespace("telco").withName("amf-0").get();
      String status = amf.getMetadata().getAnnotations().get("k8s.v1.cni.cncf.io/network-status");
      String withoutNet2 = status.substring(0, status.lastIndexOf(",\n")) + "]";
      kube.pods()
          .inNamespace("telco")
          .resource(
              new PodBuilder(amf)
                  .editMetadata()
                  .addToAnnotations("k8s.v1.cni.cncf.io/network-status", withoutNet2)
                  .endMetadata()
                  .build())
          .update();
      DeltaDiscoveryResponse inbound =
          await(delta, TypeUrls.LISTENER, r -> names(r).contains("virtualInbound"));
      Listener virtualInbound =
          inbound.getResourcesList().stream()
              .filter(r -> r.getName().equals("virtualInbound"))
              .findFirst()
              .orElseThrow()
              .getResource()
              .unpack(Listener.class);
      assertThat(virtualInbound.getFilterChainsList())
          .noneMatch(c -> c.getName().startsWith("net2_"))
          .anyMatch(c -> c.getName().startsWith("net1_"));

      // an EndpointSlice update reaches EDS
      delta.subscribe(
          null, TypeUrls.ENDPOINT, List.of("outbound|8080||smf.telco.svc.cluster.local"));
      await(delta, TypeUrls.ENDPOINT, r -> r.getResourcesCount() == 1);
      EndpointSlice smf =
          kube.discovery().v1().endpointSlices().inNamespace("telco").withName("smf-9dl2c").get();
      kube.discovery()
          .v1()
          .endpointSlices()
          .inNamespace("telco")
          .resource(
              new EndpointSliceBuilder(smf)
                  .editFirstEndpoint()
                  .withNewConditions()
                  .withReady(false)
                  .endConditions()
                  .endEndpoint()
                  .build())
          .update();
      await(
          delta,
          TypeUrls.ENDPOINT,
          r -> r.getResourcesCount() == 1 && endpointCount(r.getResources(0)) == 0);

      // a NAD appears: the problem about it goes away
      GenericKubernetesResource late =
          new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
              .withApiVersion(KubeObjects.NAD_API_VERSION)
              .withKind(KubeObjects.NAD_KIND)
              .withNewMetadata()
              .withName("late-net")
              .withNamespace("telco")
              .endMetadata()
              .addToAdditionalProperties(
                  "spec", Map.of("config", "{\"cniVersion\":\"0.3.1\",\"type\":\"macvlan\"}"))
              .build();
      Service withLateNet =
          new ServiceBuilder()
              .withNewMetadata()
              .withName("late")
              .withNamespace("telco")
              .addToAnnotations("k8s.v1.cni.cncf.io/service-network", "late-net")
              .endMetadata()
              .withNewSpec()
              .withClusterIP("10.96.0.51")
              .addNewPort()
              .withName("tcp-l")
              .withPort(7778)
              .endPort()
              .endSpec()
              .build();
      kube.services().inNamespace("telco").resource(withLateNet).create();
      awaitProblem(p -> p.contains("telco/late-net not found"), true);
      kube.genericKubernetesResources(KubeObjects.NAD_API_VERSION, KubeObjects.NAD_KIND)
          .inNamespace("telco")
          .resource(late)
          .create();
      awaitProblem(p -> p.contains("telco/late-net not found"), false);
      delta.drain(Duration.ofMillis(500)).forEach(delta::ack);

      // the API server goes away: nothing is withdrawn
      int port = api.getPort();
      api.destroy();
      List<DeltaDiscoveryResponse> during = delta.drain(Duration.ofSeconds(3));
      during.forEach(delta::ack);
      assertThat(during).allSatisfy(r -> assertThat(r.getRemovedResourcesList()).isEmpty());
      assertThat(telmesh.pipeline().current().orElseThrow().mesh().services())
          .hasSizeGreaterThan(5);

      // and comes back (same state): new changes flow again
      api =
          new KubernetesMockServer(
              new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
      api.init(InetAddress.getLoopbackAddress(), port);
      // fabric8's mock replays no watch history (a real API server does, from the last
      // resourceVersion): create the next object once the informers watch again.
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!source.watching() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(source.watching()).as("informers watch again after the outage").isTrue();
      kube.services()
          .inNamespace("telco")
          .resource(
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("nrf")
                  .withNamespace("telco")
                  .endMetadata()
                  .withNewSpec()
                  .withClusterIP("10.96.0.52")
                  .addNewPort()
                  .withName("tcp-x")
                  .withPort(7779)
                  .endPort()
                  .endSpec()
                  .build())
          .create();
      DeltaDiscoveryResponse after =
          await(delta, TypeUrls.LISTENER, r -> names(r).contains("10.96.0.52_7779"));
      assertThat(after.getRemovedResourcesList()).isEmpty();
    }
  }

  @Test
  void aDestinationRuleFromTheApiShapesItsServicesClusters() throws Exception {
    GenericKubernetesResource rule =
        new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder()
            .withApiVersion("networking.istio.io/v1")
            .withKind("DestinationRule")
            .withNewMetadata()
            .withName("smf")
            .withNamespace("telco")
            .endMetadata()
            .addToAdditionalProperties(
                "spec",
                Map.of(
                    "host",
                    "smf",
                    "trafficPolicy",
                    Map.of("connectionPool", Map.of("tcp", Map.of("maxConnections", 42)))))
            .build();
    kube.genericKubernetesResources("networking.istio.io/v1", "DestinationRule")
        .inNamespace("telco")
        .resource(rule)
        .create();
    long deadline = System.nanoTime() + WAIT.toNanos();
    java.util.OptionalInt applied = java.util.OptionalInt.empty();
    while (applied.isEmpty() && System.nanoTime() < deadline) {
      applied =
          telmesh
              .pipeline()
              .current()
              .map(g -> g.mesh().services().get(new NamespacedName("telco", "smf")))
              .flatMap(io.telmesh.model.MeshService::trafficPolicy)
              .map(io.telmesh.model.TrafficPolicy::maxConnections)
              .orElse(java.util.OptionalInt.empty());
      Thread.sleep(50);
    }
    assertThat(applied).hasValue(42);
  }

  /**
   * The informers read exactly {@link KubernetesSource#WATCHED}, each with a list and a watch: the
   * list deployments grant get/list/watch on (e2e's kind recipe compares its ClusterRole to it).
   */
  @Test
  void informersListAndWatchExactlyTheWatchedResources() throws Exception {
    Set<KubernetesSource.ApiResource> listed = new HashSet<>();
    Set<KubernetesSource.ApiResource> watched = new HashSet<>();
    Pattern collection = Pattern.compile("/(?:api/(v1)|apis/([^/]+)/([^/]+))/([^/?]+)(\\?.*)?");
    RecordedRequest request;
    while ((request = api.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
      Matcher path = collection.matcher(request.getPath());
      if (!request.getMethod().equals("GET") || !path.matches()) {
        continue; // the test's own creates, and API discovery (/apis/GROUP/VERSION)
      }
      KubernetesSource.ApiResource resource =
          path.group(1) != null
              ? new KubernetesSource.ApiResource("", "v1", path.group(4))
              : new KubernetesSource.ApiResource(path.group(2), path.group(3), path.group(4));
      String query = path.group(5) == null ? "" : path.group(5);
      (query.contains("watch=true") ? watched : listed).add(resource);
    }
    assertThat(listed).containsExactlyInAnyOrderElementsOf(KubernetesSource.WATCHED);
    assertThat(watched).containsExactlyInAnyOrderElementsOf(KubernetesSource.WATCHED);
  }

  private static int endpointCount(Resource resource) {
    try {
      return resource
          .getResource()
          .unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class)
          .getEndpointsCount();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private void awaitProblem(Predicate<String> matches, boolean present)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      boolean found =
          telmesh.pipeline().problems().stream().anyMatch(p -> matches.test(p.describe()));
      if (found == present) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("problem never became " + (present ? "present" : "absent"));
  }
}
