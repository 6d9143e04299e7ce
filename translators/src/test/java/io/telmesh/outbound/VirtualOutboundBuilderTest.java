package io.telmesh.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.resources.ProxyProfile;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class VirtualOutboundBuilderTest {

  private static TcpProxy tcpProxy(FilterChain chain) throws InvalidProtocolBufferException {
    return chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class);
  }

  @Test
  void diameterPeersDialledByAddressKeepTheLongLivedProfileWhileOtherPassthroughIdlesOut()
      throws Exception {
    Listener listener =
        VirtualOutboundBuilder.build(
            new ProxyProfile(
                InterceptionMode.REDIRECT, Optional.of(Duration.ofSeconds(30)), true, false),
            OutboundTrafficPolicy.ALLOW_ANY);
    Map<String, FilterChain> chains =
        listener.getFilterChainsList().stream()
            .collect(Collectors.toMap(FilterChain::getName, c -> c));

    for (int port : new int[] {3868, 5868}) {
      FilterChain diameter = chains.get("virtualOutbound-diameter-" + port);
      assertThat(diameter.getFilterChainMatch().getDestinationPort().getValue()).isEqualTo(port);
      assertThat(tcpProxy(diameter).getCluster()).isEqualTo("PassthroughCluster");
      assertThat(tcpProxy(diameter).hasIdleTimeout()).isTrue();
      assertThat(tcpProxy(diameter).getIdleTimeout().getSeconds())
          .as("0 disables Envoy's idle timeout")
          .isZero();
    }
    FilterChain catchAll = chains.get("virtualOutbound-catchall-tcp");
    assertThat(catchAll.hasFilterChainMatch()).isFalse();
    assertThat(tcpProxy(catchAll).getIdleTimeout().getSeconds()).isEqualTo(30);
  }
}
