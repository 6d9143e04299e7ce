package io.telmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.testing.Nodes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestCompactorTest {

  static final String SMF = "outbound|8080||smf.telco.svc.cluster.local";
  static final String OCS = "outbound|3868||ocs.telco.svc.cluster.local";

  private final RequestCompactor compactor = new RequestCompactor();

  /** A request as gRPC parses it: every name its own string. */
  private static DeltaDiscoveryRequest parsed(DeltaDiscoveryRequest request) throws Exception {
    return DeltaDiscoveryRequest.parseFrom(request.toByteArray());
  }

  @Test
  void twoStreamsSubscribingToTheSameNamesShareOneInstanceOfEachAndKeepNoNode() throws Exception {
    DeltaDiscoveryRequest request =
        DeltaDiscoveryRequest.newBuilder()
            .setNode(Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of()))
            .setTypeUrl(TypeUrls.ENDPOINT)
            .addAllResourceNamesSubscribe(List.of(SMF, OCS))
            .addResourceNamesUnsubscribe("gone")
            .putInitialResourceVersions(SMF, "v1")
            .build();
    DeltaDiscoveryRequest first = compactor.compact(parsed(request));
    DeltaDiscoveryRequest second = compactor.compact(parsed(request));
    assertThat(parsed(request).getResourceNamesSubscribe(0))
        .isNotSameAs(parsed(request).getResourceNamesSubscribe(0));

    assertThat(first.hasNode()).isFalse();
    assertThat(first.toBuilder().setNode(request.getNode()).build()).isEqualTo(request);
    for (int i = 0; i < 2; i++) {
      assertThat(second.getResourceNamesSubscribe(i)).isSameAs(first.getResourceNamesSubscribe(i));
    }
    assertThat(second.getResourceNamesUnsubscribe(0))
        .isSameAs(first.getResourceNamesUnsubscribe(0));
    assertThat(second.getInitialResourceVersionsMap().keySet().iterator().next())
        .isSameAs(first.getResourceNamesSubscribe(0));
    assertThat(second.getInitialResourceVersionsMap().get(SMF))
        .isSameAs(first.getInitialResourceVersionsMap().get(SMF));
  }

  @Test
  void stateOfTheWorldRequestsLoseOnlyTheirNodeAndAnAckNamingNothingIsLeftAsItIs() {
    DiscoveryRequest request =
        DiscoveryRequest.newBuilder()
            .setNode(Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of()))
            .setTypeUrl(TypeUrls.ENDPOINT)
            .setVersionInfo("v1")
            .setResponseNonce("n1")
            .addAllResourceNames(List.of(SMF, OCS))
            .build();
    assertThat(compactor.compact(request)).isEqualTo(request.toBuilder().clearNode().build());
    DiscoveryRequest ack = request.toBuilder().clearNode().build();
    assertThat(compactor.compact(ack)).isSameAs(ack);

    DeltaDiscoveryRequest deltaAck =
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(TypeUrls.ENDPOINT)
            .setResponseNonce("d1")
            .build();
    assertThat(compactor.compact(deltaAck)).isSameAs(deltaAck);
    assertThat(
            compactor.compact(
                deltaAck.toBuilder()
                    .setNode(Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of()))
                    .build()))
        .as("Envoy repeats the node on every ACK unless told not to: it goes")
        .isEqualTo(deltaAck);
  }
}
