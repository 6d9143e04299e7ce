package io.telmesh.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.model.NamespacedName;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeIdParserTest {

  private static NodeMetadata namespace(String ns) {
    return new NodeMetadata(
        Optional.of(ns),
        List.of(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  @Test
  void istioSidecarId() throws Exception {
    ProxyNode node =
        NodeIdParser.parse(
            "sidecar~10.244.1.10~amf-0.telco~telco.svc.cluster.local", namespace("telco"));
    assertThat(node.type()).isEqualTo(NodeType.SIDECAR);
    assertThat(node.pod()).isEqualTo(new NamespacedName("telco", "amf-0"));
    assertThat(node.proxyName()).isEqualTo("amf-0.telco");
    assertThat(node.namespaceConsistent()).isTrue();
  }

  @Test
  void podNamesMayContainDots() throws Exception {
    ProxyNode node =
        NodeIdParser.parse(
            "sidecar~10.0.0.1~web.v2.canary.prod~prod.svc.cluster.local", namespace("prod"));
    assertThat(node.pod()).isEqualTo(new NamespacedName("prod", "web.v2.canary"));
  }

  @Test
  void withoutMetadataTheDomainNamesTheNamespace() throws Exception {
    ProxyNode node =
        NodeIdParser.parse(
            "sidecar~10.0.0.1~web.v2.prod~prod.svc.cluster.local", NodeMetadata.EMPTY);
    assertThat(node.pod()).isEqualTo(new NamespacedName("prod", "web.v2"));
    assertThat(node.namespaceConsistent()).isTrue();
  }

  @Test
  void metadataThatDisagreesIsFlagged() throws Exception {
    ProxyNode node =
        NodeIdParser.parse("sidecar~10.0.0.1~web.prod~prod.svc.cluster.local", namespace("dev"));
    assertThat(node.namespaceConsistent()).isFalse();
    assertThat(node.pod()).isEqualTo(new NamespacedName("prod", "web"));
  }

  @Test
  void ipv6AndDebugIds() throws Exception {
    assertThat(
            NodeIdParser.parse("sidecar~fd00::5~web.prod~prod.svc.cluster.local", namespace("prod"))
                .ip())
        .isEqualTo("fd00::5");
    assertThat(
            NodeIdParser.parse("debug~0.0.0.0~istioctl~cluster.local", NodeMetadata.EMPTY)
                .isDebugClient())
        .isTrue();
  }

  @Test
  void malformedIdsAreRejectedWithAReason() {
    assertThatThrownBy(() -> NodeIdParser.parse("", NodeMetadata.EMPTY))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> NodeIdParser.parse("sidecar~10.0.0.1~web.prod", NodeMetadata.EMPTY))
        .hasMessageContaining("3 '~'-separated parts");
    assertThatThrownBy(
            () -> NodeIdParser.parse("gateway~10.0.0.1~web.prod~prod.svc", NodeMetadata.EMPTY))
        .hasMessageContaining("unknown type 'gateway'");
    assertThatThrownBy(
            () -> NodeIdParser.parse("sidecar~not-an-ip~web.prod~prod.svc", NodeMetadata.EMPTY))
        .hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> NodeIdParser.parse("sidecar~10.0.0.1~web~x", NodeMetadata.EMPTY))
        .hasMessageContaining("is not POD.NAMESPACE");
    assertThatThrownBy(() -> NodeIdParser.parse("sidecar~10.0.0.1~~x", NodeMetadata.EMPTY))
        .hasMessageContaining("empty POD.NAMESPACE");
  }
}
