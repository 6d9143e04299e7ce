package io.telmesh.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.node.ProxyNode;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.SnapshotFactory;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.ManualSource;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.Objects;
import io.telmesh.translate.Translator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An endpoint-only change reaches a connected proxy without translating it again: only the changed
 * assignments go out, and what it is then given equals a full translation of the new objects. Any
 * other change translates every proxy.
 */
class EndpointRefreshTest {

  static final Duration WAIT = Duration.ofSeconds(20);
  static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  static final String SMF_SLICE = "smf-9dl2c";

  @Test
  void anEndpointChangeSendsOnlyTheChangedAssignmentsAndEqualsAFullTranslation() throws Exception {
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    ManualSource source = new ManualSource(demo);
    try (TelmeshServer server = start(source);
        AdsClient client = new AdsClient(server.xdsPort());
        AdsClient.Delta delta = client.delta()) {
      subscribeAll(delta);
      ProxySnapshot before = server.cache().snapshot(AMF.getId()).orElseThrow();
      double refreshed = refreshes(server);

      KubeObjects flipped = Objects.firstEndpointNotReady(demo, SMF_SLICE);
      source.publish(flipped);

      DeltaDiscoveryResponse eds = delta.next(WAIT);
      delta.ack(eds);
      assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      assertThat(eds.getResourcesList())
          .extracting(Resource::getName)
          .isNotEmpty()
          .allSatisfy(name -> assertThat(name).contains("smf.telco"));
      assertThat(delta.drain(Duration.ofMillis(500)))
          .as("listeners, clusters and routes are unchanged, so nothing else is sent")
          .isEmpty();
      assertThat(refreshesOnceCounted(server, refreshed + 1) - refreshed).isEqualTo(1);

      ProxySnapshot after = server.cache().snapshot(AMF.getId()).orElseThrow();
      for (String type : List.of(TypeUrls.LISTENER, TypeUrls.CLUSTER, TypeUrls.ROUTE)) {
        assertThat(after.type(type)).as(type).isSameAs(before.type(type));
      }
      ProxySnapshot full = fullTranslation(flipped, node(server));
      for (String type :
          List.of(TypeUrls.LISTENER, TypeUrls.CLUSTER, TypeUrls.ROUTE, TypeUrls.ENDPOINT)) {
        assertThat(after.type(type).version()).as(type).isEqualTo(full.type(type).version());
      }
      assertThat(after.type(TypeUrls.ENDPOINT).version())
          .isNotEqualTo(before.type(TypeUrls.ENDPOINT).version());
    }
  }

  @Test
  void aChangeBeyondEndpointsTranslatesTheProxy() throws Exception {
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    ManualSource source = new ManualSource(demo);
    try (TelmeshServer server = start(source);
        AdsClient client = new AdsClient(server.xdsPort());
        AdsClient.Delta delta = client.delta()) {
      subscribeAll(delta);
      double refreshed = refreshes(server);

      KubeObjects withService =
          Objects.withService(
              demo,
              new ServiceBuilder()
                  .withNewMetadata()
                  .withName("extra")
                  .withNamespace("telco")
                  .endMetadata()
                  .withNewSpec()
                  .withClusterIP("10.96.0.61")
                  .addNewPort()
                  .withName("tcp-extra")
                  .withPort(7000)
                  .endPort()
                  .endSpec()
                  .build());
      source.publish(withService);

      DeltaDiscoveryResponse cds = delta.next(TypeUrls.CLUSTER, WAIT);
      assertThat(cds.getResourcesList())
          .extracting(Resource::getName)
          .anySatisfy(name -> assertThat(name).contains("extra.telco"));
      assertThat(refreshes(server)).isEqualTo(refreshed);
      ProxySnapshot after = server.cache().snapshot(AMF.getId()).orElseThrow();
      ProxySnapshot full = fullTranslation(withService, node(server));
      for (String type :
          List.of(TypeUrls.LISTENER, TypeUrls.CLUSTER, TypeUrls.ROUTE, TypeUrls.ENDPOINT)) {
        assertThat(after.type(type).version()).as(type).isEqualTo(full.type(type).version());
      }
    }
  }

  /**
   * A second stream of the same pod with other metadata (Envoy's hot restart) is translated for at
   * once, and the endpoint change after it is derived from that snapshot, not the old node's.
   */
  @Test
  void aProxyWhoseNodeChangedOnASecondStreamIsTranslatedForIt() throws Exception {
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    ManualSource source = new ManualSource(demo);
    Node restarted = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of("IDLE_TIMEOUT", "7s"));
    try (TelmeshServer server = start(source);
        AdsClient client = new AdsClient(server.xdsPort());
        AdsClient.Delta first = client.delta();
        AdsClient.Delta second = client.delta()) {
      subscribeAll(first);
      ProxySnapshot before = server.cache().snapshot(AMF.getId()).orElseThrow();
      second.subscribe(restarted, TypeUrls.CLUSTER, List.of());
      second.ack(second.next(TypeUrls.CLUSTER, WAIT));
      ProxyNode now = node(server);
      assertThat(now.metadata().idleTimeout()).isPresent();
      DeltaDiscoveryResponse listeners = first.next(TypeUrls.LISTENER, WAIT);
      first.ack(listeners);
      ProxySnapshot changed = server.cache().snapshot(AMF.getId()).orElseThrow();
      assertThat(changed.type(TypeUrls.LISTENER).version())
          .as("the second stream's node, with its idle timeout, pushed to both streams")
          .isEqualTo(fullTranslation(demo, now).type(TypeUrls.LISTENER).version())
          .isNotEqualTo(before.type(TypeUrls.LISTENER).version());
      double refreshed = refreshes(server);

      KubeObjects flipped = Objects.firstEndpointNotReady(demo, SMF_SLICE);
      source.publish(flipped);
      first.next(TypeUrls.ENDPOINT, WAIT);

      assertThat(refreshesOnceCounted(server, refreshed + 1)).isEqualTo(refreshed + 1);
      ProxySnapshot after = server.cache().snapshot(AMF.getId()).orElseThrow();
      ProxySnapshot full = fullTranslation(flipped, now);
      assertThat(after.type(TypeUrls.LISTENER).version())
          .isEqualTo(full.type(TypeUrls.LISTENER).version());
      assertThat(after.type(TypeUrls.ENDPOINT).version())
          .isEqualTo(full.type(TypeUrls.ENDPOINT).version());
    }
  }

  private static TelmeshServer start(ManualSource source) throws Exception {
    TelmeshServer server =
        new TelmeshServer(
                new ServerOptions(
                    "127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                source,
                List.of())
            .start();
    assertThat(server.pipeline().awaitReady(WAIT)).isTrue();
    return server;
  }

  /** CDS, then EDS for every EDS cluster, then LDS, each ACKed. */
  private static void subscribeAll(AdsClient.Delta delta) throws Exception {
    delta.subscribe(AMF, TypeUrls.CLUSTER, List.of());
    DeltaDiscoveryResponse cds = delta.next(TypeUrls.CLUSTER, WAIT);
    delta.ack(cds);
    List<String> edsNames = new ArrayList<>();
    for (Resource resource : cds.getResourcesList()) {
      Cluster cluster = resource.getResource().unpack(Cluster.class);
      if (cluster.hasEdsClusterConfig()) {
        String serviceName = cluster.getEdsClusterConfig().getServiceName();
        edsNames.add(serviceName.isEmpty() ? cluster.getName() : serviceName);
      }
    }
    assertThat(edsNames).anySatisfy(name -> assertThat(name).contains("smf.telco"));
    delta.subscribe(AMF, TypeUrls.ENDPOINT, edsNames);
    delta.ack(delta.next(TypeUrls.ENDPOINT, WAIT));
    delta.subscribe(AMF, TypeUrls.LISTENER, List.of());
    delta.ack(delta.next(TypeUrls.LISTENER, WAIT));
    assertThat(delta.drain(Duration.ofMillis(300))).isEmpty();
  }

  private static ProxyNode node(TelmeshServer server) {
    return server.registry().connection(AMF.getId()).orElseThrow().node();
  }

  private static ProxySnapshot fullTranslation(KubeObjects objects, ProxyNode node) {
    return new SnapshotFactory()
        .snapshot(
            Translator.prepare(MeshStateBuilder.build(objects)).forProxy(node), 0, Instant.now());
  }

  /**
   * The counter once a generation's push has counted its proxies, which it does after their
   * endpoints went out: it is read until it reaches {@code expected} or {@link #WAIT} passes.
   */
  private static double refreshesOnceCounted(TelmeshServer server, double expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (refreshes(server) < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return refreshes(server);
  }

  private static double refreshes(TelmeshServer server) {
    return server.metrics().registry().get("telmesh_push_endpoint_refreshes").counter().count();
  }
}
