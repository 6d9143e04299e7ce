package io.telmesh.xds;

import static io.telmesh.testing.KubeEdits.port;
import static io.telmesh.testing.KubeEdits.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.Protos;
import io.telmesh.kube.KubeObjects;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import io.telmesh.resources.ResourceType;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.ResourceDiff;
import io.telmesh.testing.ServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a sidecar with Diameter peers (hss-0: Diameter on 3868 on eth0 and on its signaling network)
 * receives over raw ADS, state of the world and delta, when things it does not serve change:
 * nothing on LDS or CDS after an endpoint change, and listeners whose Diameter chains keep their
 * bytes, with no listener-level change, after Service changes.
 */
class LongLivedConnectionsTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Duration QUIET = Duration.ofMillis(800);
  private static final Node HSS = Nodes.envoyNode("hss-0", "telco", "10.244.2.20", Map.of());
  private static final List<String> DIAMETER_CHAINS =
      List.of("0.0.0.0_3868", "eth0_3868", "net1_3868");

  @RegisterExtension final ServerExtension server = ServerExtension.demo();

  /** smf-0's endpoint turns not ready: an endpoint-only change. */
  private KubeObjects smfNotReady() {
    return KubeEdits.editSlice(
        server.objects(),
        "telco",
        "smf-9dl2c",
        s ->
            s.withEndpoints(
                List.of(
                    new EndpointBuilder(s.buildEndpoints().get(0))
                        .withNewConditions()
                        .withReady(false)
                        .endConditions()
                        .build())));
  }

  /** A TCP Service in a namespace hss-0 has nothing to do with, selecting nothing. */
  private KubeObjects withUnrelatedService(KubeObjects objects) {
    return KubeEdits.withService(
        objects, service("lab", "billing", "10.96.9.1", "billing", port("tcp-bill", 7100)));
  }

  /** A Service selecting hss-0 on a new explicit TCP port: virtualInbound gains chains. */
  private KubeObjects withAdminPort(KubeObjects objects) {
    return KubeEdits.withService(
        objects, service("telco", "hss-admin", "10.96.0.23", "hss", port("tcp-admin", 9500)));
  }

  @Test
  void stateOfTheWorld() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(HSS, TypeUrls.CLUSTER, List.of());
      DiscoveryResponse cds = ads.next(TypeUrls.CLUSTER, WAIT);
      ads.ack(cds, List.of());
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
      DiscoveryResponse lds = ads.next(TypeUrls.LISTENER, WAIT);
      ads.ack(lds, List.of());
      List<String> edsNames = edsClusters(cds);
      ads.send(
          DiscoveryRequest.newBuilder()
              .setTypeUrl(TypeUrls.ENDPOINT)
              .addAllResourceNames(edsNames)
              .build());
      ads.ack(ads.next(TypeUrls.ENDPOINT, WAIT), edsNames);
      assertThat(ads.drain(QUIET)).as("settled").isEmpty();

      server.publish(smfNotReady());
      DiscoveryResponse eds = ads.next(WAIT);
      assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      ads.ack(eds, edsNames);
      assertThat(ads.drain(QUIET)).as("an endpoint-only change sends no LDS and no CDS").isEmpty();

      server.publish(withUnrelatedService(smfNotReady()));
      DiscoveryResponse cds2 = ads.next(TypeUrls.CLUSTER, WAIT);
      assertThat(changed(resources(cds), resources(cds2)))
          .as("only the new Service's cluster")
          .containsExactly("outbound|7100||billing.lab.svc.cluster.local");
      ads.ack(cds2, List.of());
      DiscoveryResponse lds2 = ads.next(TypeUrls.LISTENER, WAIT);
      ads.ack(lds2, List.of());
      assertThat(changed(resources(lds), resources(lds2))).containsExactly("10.96.9.1_7100");
      assertThat(resources(lds2).get(Names.VIRTUAL_INBOUND))
          .as("virtualInbound, byte for byte")
          .isEqualTo(resources(lds).get(Names.VIRTUAL_INBOUND));
      assertDiameterChainsKept(listeners(lds), listeners(lds2));

      server.publish(withAdminPort(withUnrelatedService(smfNotReady())));
      DiscoveryResponse lds3 = ads.next(TypeUrls.LISTENER, WAIT);
      ResourceDiff diff = assertDiameterChainsKept(listeners(lds2), listeners(lds3));
      assertThat(diff.chainNames().get(Names.VIRTUAL_INBOUND))
          .as("the new port's chains, and only those")
          .containsExactly("0.0.0.0_9500", "eth0_9500", "net1_9500");
      assertThat(diff.listeners().all())
          .containsExactlyInAnyOrder(Names.VIRTUAL_INBOUND, "10.96.0.23_9500");
    }
    assertThat(drainsCounted()).as("no push changed a listener-level field").isZero();
  }

  @Test
  void delta() throws Exception {
    try (AdsClient.Delta delta = server.client().delta()) {
      delta.subscribe(HSS, TypeUrls.CLUSTER, List.of());
      DeltaDiscoveryResponse cds = delta.next(TypeUrls.CLUSTER, WAIT);
      delta.ack(cds);
      delta.subscribe(null, TypeUrls.LISTENER, List.of());
      DeltaDiscoveryResponse lds = delta.next(TypeUrls.LISTENER, WAIT);
      delta.ack(lds);
      List<String> edsNames =
          cds.getResourcesList().stream()
              .filter(
                  r ->
                      unpack(r.getResource(), Cluster.class).getType() == Cluster.DiscoveryType.EDS)
              .map(Resource::getName)
              .toList();
      delta.subscribe(null, TypeUrls.ENDPOINT, edsNames);
      delta.ack(delta.next(TypeUrls.ENDPOINT, WAIT));
      assertThat(delta.drain(QUIET)).as("settled").isEmpty();

      server.publish(smfNotReady());
      DeltaDiscoveryResponse eds = delta.next(WAIT);
      assertThat(eds.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      delta.ack(eds);
      assertThat(delta.drain(QUIET))
          .as("an endpoint-only change sends no LDS and no CDS")
          .isEmpty();

      server.publish(withUnrelatedService(smfNotReady()));
      DeltaDiscoveryResponse lds2 = delta.next(TypeUrls.LISTENER, WAIT);
      assertThat(lds2.getResourcesList())
          .extracting(Resource::getName)
          .as("virtualInbound is not even re-sent")
          .containsExactly("10.96.9.1_7100");
      assertThat(lds2.getRemovedResourcesList()).isEmpty();
      delta.ack(lds2);

      server.publish(withAdminPort(withUnrelatedService(smfNotReady())));
      DeltaDiscoveryResponse lds3 = delta.next(TypeUrls.LISTENER, WAIT);
      assertThat(lds3.getResourcesList())
          .extracting(Resource::getName)
          .containsExactlyInAnyOrder(Names.VIRTUAL_INBOUND, "10.96.0.23_9500");
      List<Listener> before =
          lds.getResourcesList().stream()
              .map(r -> unpack(r.getResource(), Listener.class))
              .filter(l -> l.getName().equals(Names.VIRTUAL_INBOUND))
              .toList();
      List<Listener> after =
          lds3.getResourcesList().stream()
              .map(r -> unpack(r.getResource(), Listener.class))
              .filter(l -> l.getName().equals(Names.VIRTUAL_INBOUND))
              .toList();
      assertDiameterChainsKept(before, after);
    }
    assertThat(drainsCounted()).as("no push changed a listener-level field").isZero();
  }

  /** The negative control: a sniffed port on hss-0 must change the inspector, and is counted. */
  @Test
  void aNewSniffedPortIsCountedAsADrain() throws Exception {
    try (AdsClient.Sotw ads = server.client().sotw()) {
      ads.request(HSS, TypeUrls.LISTENER, List.of());
      DiscoveryResponse lds = ads.next(TypeUrls.LISTENER, WAIT);
      ads.ack(lds, List.of());
      server.publish(
          KubeEdits.withService(
              server.objects(),
              service("telco", "hss-probe", "10.96.0.21", "hss", port("", 9600))));
      DiscoveryResponse lds2 = ads.next(TypeUrls.LISTENER, WAIT);
      ResourceDiff diff = ResourceDiff.between(proxy(listeners(lds)), proxy(listeners(lds2)));
      assertThat(diff.listenerLevel()).containsExactly(Names.VIRTUAL_INBOUND);
    }
    assertThat(drainsCounted()).isEqualTo(1);
  }

  /** Diameter chains keep their bytes and virtualInbound its listener-level fields; the diff. */
  private static ResourceDiff assertDiameterChainsKept(
      List<Listener> before, List<Listener> after) {
    Listener inboundBefore = find(before, Names.VIRTUAL_INBOUND);
    Listener inboundAfter = find(after, Names.VIRTUAL_INBOUND);
    for (String name : DIAMETER_CHAINS) {
      assertThat(chainBytes(inboundAfter, name))
          .as("Diameter chain %s", name)
          .isNotEmpty()
          .isEqualTo(chainBytes(inboundBefore, name));
    }
    ResourceDiff diff = ResourceDiff.between(proxy(before), proxy(after));
    assertThat(diff.listenerLevel())
        .as("listener-level changes (each drains a whole listener)")
        .isEmpty();
    return diff;
  }

  private static List<ByteString> chainBytes(Listener listener, String name) {
    return listener.getFilterChainsList().stream()
        .filter(c -> c.getName().equals(name))
        .map(Protos::deterministicBytes)
        .toList();
  }

  private static Listener find(List<Listener> listeners, String name) {
    return listeners.stream().filter(l -> l.getName().equals(name)).findFirst().orElseThrow();
  }

  private static ProxyResources proxy(List<Listener> listeners) {
    return new ProxyResources(
        ResourceSet.of(ResourceSegment.of(ResourceType.LISTENER, listeners)),
        ResourceSet.<Cluster>of(),
        ResourceSet.<RouteConfiguration>of(),
        ResourceSet.<ClusterLoadAssignment>of(),
        List.of(),
        List.of());
  }

  private static List<Listener> listeners(DiscoveryResponse response) {
    return response.getResourcesList().stream().map(a -> unpack(a, Listener.class)).toList();
  }

  /** A response's resources by name, as the bytes on the wire. */
  private static Map<String, ByteString> resources(DiscoveryResponse response) {
    return response.getResourcesList().stream()
        .collect(Collectors.toMap(LongLivedConnectionsTest::name, Any::getValue));
  }

  private static List<String> changed(
      Map<String, ByteString> before, Map<String, ByteString> after) {
    List<String> changed = new ArrayList<>();
    after.forEach(
        (name, bytes) -> {
          if (!bytes.equals(before.get(name))) {
            changed.add(name);
          }
        });
    before.keySet().stream().filter(n -> !after.containsKey(n)).forEach(changed::add);
    return changed;
  }

  private static String name(Any any) {
    if (any.is(Listener.class)) {
      return unpack(any, Listener.class).getName();
    }
    return unpack(any, Cluster.class).getName();
  }

  private static List<String> edsClusters(DiscoveryResponse cds) {
    return cds.getResourcesList().stream()
        .map(a -> unpack(a, Cluster.class))
        .filter(c -> c.getType() == Cluster.DiscoveryType.EDS)
        .map(Cluster::getName)
        .toList();
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code telmesh_listener_drains_total}, summed over listeners, from the monitoring endpoint. */
  private long drainsCounted() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + server.telmesh().monitoringPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return Math.round(
        response
            .body()
            .lines()
            .filter(l -> l.startsWith("telmesh_listener_drains_total{"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum());
  }
}
