package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.telmesh.model.OutboundTrafficPolicy;
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
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code serve --root-namespace} and {@code --outbound-traffic-policy}, and a Sidecar arriving at a
 * running server: from the flags and objects to the clusters a sidecar is sent over delta ADS.
 */
class ServeSidecarScopeTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());

  private static ServerOptions parsed(String... args) {
    ServeCommand command = new ServeCommand();
    new CommandLine(command).parseArgs(args);
    return command.options();
  }

  @Test
  void theFlagsDefaultToIstios() {
    assertThat(parsed().translation().rootNamespace()).isEqualTo("istio-system");
    assertThat(parsed().translation().outboundTrafficPolicy())
        .isEqualTo(OutboundTrafficPolicy.ALLOW_ANY);
    assertThat(
            parsed("--outbound-traffic-policy", "REGISTRY_ONLY", "--root-namespace", "mesh-root")
                .translation())
        .extracting(s -> s.rootNamespace(), s -> s.outboundTrafficPolicy())
        .containsExactly("mesh-root", OutboundTrafficPolicy.REGISTRY_ONLY);
  }

  @Test
  void theSendBufferIsAQuarterOfTheHeapUnlessSet() {
    assertThat(parsed().sendBuffer()).isEqualTo(ServerOptions.defaultSendBuffer());
    assertThat(ServerOptions.defaultSendBuffer())
        .isGreaterThanOrEqualTo(Runtime.getRuntime().maxMemory() / 4);
    assertThat(parsed("--send-buffer", "64Mi").sendBuffer()).isEqualTo(64L << 20);
  }

  @Test
  void theTrustDomainReachesTranslationAndAHostileOneIsRefused() {
    assertThat(parsed().translation().trustDomain()).isEqualTo("cluster.local");
    assertThat(parsed("--trust-domain", "telco.example").translation().trustDomain())
        .isEqualTo("telco.example");
    for (String bad : List.of("", "Mesh", "a/b", "x\u0007y", "spiffe://x")) {
      assertThatThrownBy(() -> parsed("--trust-domain", bad))
          .isInstanceOf(UserError.class)
          .hasMessageContaining("--trust-domain")
          .hasMessageContaining("is not a trust domain");
    }
  }

  @Test
  void aRootSidecarNarrowsWhatARunningServerSendsAndItsRemovalRestoresIt() throws Exception {
    ServerOptions options =
        parsed("--root-namespace", "mesh-root", "--bind", "127.0.0.1").withPorts(0, 0);
    ManualSource source = new ManualSource(Meshes.objects(Meshes.demoDir()));
    try (TelmeshServer server = new TelmeshServer(options, source).start();
        AdsClient client = new AdsClient(server.xdsPort());
        AdsClient.Delta delta = client.delta()) {
      assertThat(server.pipeline().awaitReady(WAIT)).isTrue();
      delta.subscribe(AMF, TypeUrls.CLUSTER, List.of());
      DeltaDiscoveryResponse full = delta.next(TypeUrls.CLUSTER, WAIT);
      assertThat(outbound(full)).contains("outbound|8080||smf.telco.svc.cluster.local");
      delta.ack(full);

      source.publish(
          Meshes.demoObjectsWith(
              """
              apiVersion: networking.istio.io/v1
              kind: Sidecar
              metadata: {name: default, namespace: mesh-root}
              spec:
                egress: [{hosts: [./hss.telco.svc.cluster.local]}]
              """));
      DeltaDiscoveryResponse narrowed = delta.next(TypeUrls.CLUSTER, WAIT);
      assertThat(narrowed.getRemovedResourcesList())
          .contains("outbound|8080||smf.telco.svc.cluster.local")
          .doesNotContain("outbound|3868||hss.telco.svc.cluster.local");
      delta.ack(narrowed);

      source.publish(Meshes.objects(Meshes.demoDir()));
      assertThat(outbound(delta.next(TypeUrls.CLUSTER, WAIT)))
          .contains("outbound|8080||smf.telco.svc.cluster.local");
    }
  }

  private static Set<String> outbound(DeltaDiscoveryResponse response) throws Exception {
    Set<String> names = new TreeSet<>();
    for (Resource resource : response.getResourcesList()) {
      String name = resource.getResource().unpack(Cluster.class).getName();
      if (name.startsWith("outbound|")) {
        names.add(name);
      }
    }
    return names;
  }
}
