package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.telmesh.node.ProxyNode;
import io.telmesh.testing.Nodes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the push pipeline is told as a proxy's streams open and close. */
class ProxyRegistryTest {

  private static final Node AMF = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
  private static final Node AMF_RESTARTED =
      Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of("IDLE_TIMEOUT", "7s"));

  private final List<String> events = new ArrayList<>();
  private final ProxyRegistry registry = new ProxyRegistry();

  ProxyRegistryTest() {
    registry.addListener(
        new ProxyRegistry.Listener() {
          @Override
          public void connected(ProxyNode node) {
            events.add("connected " + node.metadata().idleTimeout());
          }

          @Override
          public void nodeChanged(ProxyNode node) {
            events.add("changed " + node.metadata().idleTimeout());
          }

          @Override
          public void disconnected(ProxyNode node) {
            events.add("disconnected");
          }
        });
  }

  private void open(Node node) throws Exception {
    registry.open(ProxyNode.from(node), node);
  }

  @Test
  void furtherStreamsWithTheSameNodeAreNotNews() throws Exception {
    open(AMF);
    open(AMF);
    open(AMF);
    registry.close(ProxyNode.from(AMF));
    registry.close(ProxyNode.from(AMF));
    assertThat(events).containsExactly("connected Optional.empty");
    registry.close(ProxyNode.from(AMF));
    assertThat(events).containsExactly("connected Optional.empty", "disconnected");
    assertThat(registry.size()).isZero();
  }

  /** Envoy's hot restart: the new Envoy, with new metadata, beside the old one. */
  @Test
  void aFurtherStreamWithAnotherNodeIsTranslatedForAndKept() throws Exception {
    open(AMF);
    open(AMF_RESTARTED);
    assertThat(events).containsExactly("connected Optional.empty", "changed Optional[PT7S]");
    assertThat(registry.connection(AMF.getId()))
        .hasValueSatisfying(c -> assertThat(c.streams()).isEqualTo(2))
        .hasValueSatisfying(c -> assertThat(c.sent()).isEqualTo(AMF_RESTARTED));
    open(AMF_RESTARTED);
    registry.close(ProxyNode.from(AMF));
    assertThat(events).hasSize(2);
  }
}
