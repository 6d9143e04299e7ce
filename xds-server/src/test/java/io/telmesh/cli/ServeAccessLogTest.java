package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.AdsClient;
import io.telmesh.testing.ManualSource;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve --access-log-default}: from the flag to the listeners a sidecar is sent. */
class ServeAccessLogTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String STDOUT_LOGGER =
      "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";

  private static ServerOptions parsed(String... args) {
    ServeCommand command = new ServeCommand();
    new CommandLine(command).parseArgs(args);
    return command.options();
  }

  @Test
  void theFlagIsOffUnlessGiven() {
    assertThat(parsed().accessLogDefault()).isFalse();
    assertThat(parsed("--access-log-default").accessLogDefault()).isTrue();
    assertThat(ServerOptions.defaults().accessLogDefault()).isFalse();
  }

  @Test
  void withTheFlagSidecarsAreSentLoggedListenersUnlessTheirNodeSaysNo() throws Exception {
    ServerOptions options = parsed("--access-log-default", "--bind", "127.0.0.1").withPorts(0, 0);
    try (TelmeshServer server =
            new TelmeshServer(options, new ManualSource(Meshes.objects(Meshes.demoDir()))).start();
        AdsClient client = new AdsClient(server.xdsPort())) {
      assertThat(server.pipeline().awaitReady(WAIT)).isTrue();
      assertThat(listenersJson(client, Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of())))
          .contains(STDOUT_LOGGER)
          .contains("%UPSTREAM_CLUSTER%");
      assertThat(
              listenersJson(
                  client,
                  Nodes.envoyNode(
                      "smf-0", "telco", "10.244.1.11", Map.of("TELMESH_ACCESS_LOG", "false"))))
          .contains("virtualInbound")
          .doesNotContain(STDOUT_LOGGER);
    }
  }

  private static String listenersJson(AdsClient client, Node node) throws Exception {
    try (AdsClient.Delta delta = client.delta()) {
      delta.subscribe(node, TypeUrls.LISTENER, List.of());
      DeltaDiscoveryResponse lds = delta.next(TypeUrls.LISTENER, WAIT);
      StringBuilder json = new StringBuilder();
      for (Resource resource : lds.getResourcesList()) {
        json.append(EnvoyTypes.printer().print(resource.getResource().unpack(Listener.class)));
      }
      return json.toString();
    }
  }
}
