package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.ManualSource;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Through real gRPC on loopback: with a send buffer of one byte, the server hands gRPC one response
 * at a time across all its streams, and every stream still gets all of its config, in turn. A lost
 * wake-up would leave a stream waiting for ever; bytes counted and never given back would leave the
 * buffer in use after everything was read.
 */
class SendBufferTest {

  static final Duration WAIT = Duration.ofSeconds(30);
  static final List<String> TYPES = List.of(TypeUrls.CLUSTER, TypeUrls.LISTENER);

  private static Set<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream()
        .map(Resource::getName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** Each stream's CDS and LDS names, after it ACKed each and then its EDS for every cluster. */
  private static List<Map<String, Set<String>>> fullConfigs(TelmeshServer server, int streams)
      throws Exception {
    Node node = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
    List<AdsClient> clients = new ArrayList<>();
    List<AdsClient.Delta> deltas = new ArrayList<>();
    try {
      for (int i = 0; i < streams; i++) {
        AdsClient client = new AdsClient(server.xdsPort());
        clients.add(client);
        AdsClient.Delta delta = client.delta();
        deltas.add(delta);
        delta.subscribe(node, TypeUrls.CLUSTER, List.of());
        delta.subscribe(null, TypeUrls.LISTENER, List.of());
      }
      List<Map<String, Set<String>>> configs = new ArrayList<>();
      for (AdsClient.Delta delta : deltas) {
        Map<String, Set<String>> config = new java.util.TreeMap<>();
        for (int i = 0; i < TYPES.size(); i++) {
          DeltaDiscoveryResponse response = delta.next(WAIT);
          config.put(response.getTypeUrl(), names(response));
          delta.ack(response);
        }
        List<String> services =
            config.get(TypeUrls.CLUSTER).stream()
                .filter(name -> name.startsWith("outbound|"))
                .limit(3)
                .toList();
        delta.subscribe(null, TypeUrls.ENDPOINT, services);
        config.put(TypeUrls.ENDPOINT, names(delta.next(TypeUrls.ENDPOINT, WAIT)));
        configs.add(config);
      }
      return configs;
    } finally {
      deltas.forEach(AdsClient.Delta::close);
      clients.forEach(AdsClient::close);
    }
  }

  @Test
  void withRoomForOneResponseEveryStreamStillGetsItsWholeConfigAndTheRoomIsGivenBack()
      throws Exception {
    ServerOptions options =
        new ServerOptions("127.0.0.1", 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2)
            .withSendBuffer(1);
    try (TelmeshServer server =
        new TelmeshServer(options, new ManualSource(Meshes.objects(Meshes.demoDir()))).start()) {
      assertThat(server.pipeline().awaitReady(WAIT)).isTrue();

      List<Map<String, Set<String>>> configs = fullConfigs(server, 12);

      Map<String, Set<String>> first = configs.get(0);
      assertThat(first.get(TypeUrls.CLUSTER)).hasSizeGreaterThan(3);
      assertThat(first.get(TypeUrls.LISTENER)).isNotEmpty();
      assertThat(first.get(TypeUrls.ENDPOINT)).hasSize(3);
      assertThat(configs).allSatisfy(config -> assertThat(config).isEqualTo(first));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (server.sendBufferInUse() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(server.sendBufferInUse()).isZero();
    }
  }
}
