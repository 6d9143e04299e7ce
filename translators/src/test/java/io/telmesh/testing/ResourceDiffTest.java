package io.telmesh.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.envoy.ListenerFilters;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import io.telmesh.resources.ResourceType;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The diff helper itself: chain identity, listener-level detection, per-type changes. */
class ResourceDiffTest {

  private static FilterChain chain(String name, int port, String statPrefix) {
    return FilterChain.newBuilder()
        .setName(name)
        .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(port)))
        .addFilters(NetworkFilters.tcpProxy(statPrefix, "c", Optional.empty()))
        .build();
  }

  private static ProxyResources resources(List<Listener> listeners, List<Cluster> clusters) {
    return new ProxyResources(
        ResourceSet.of(ResourceSegment.of(ResourceType.LISTENER, listeners)),
        ResourceSet.of(ResourceSegment.of(ResourceType.CLUSTER, clusters)),
        ResourceSet.<RouteConfiguration>of(),
        ResourceSet.<ClusterLoadAssignment>of(),
        List.of(),
        List.of());
  }

  @Test
  void chainsAreKeyedByNameAndMatchAndComparedByBytes() {
    Listener before =
        Listener.newBuilder()
            .setName("l")
            .addFilterChains(chain("same", 1, "s"))
            .addFilterChains(chain("edited", 2, "s"))
            .addFilterChains(chain("moved", 3, "s"))
            .addFilterChains(chain("gone", 4, "s"))
            .build();
    Listener after =
        Listener.newBuilder()
            .setName("l")
            .addFilterChains(chain("moved", 30, "s"))
            .addFilterChains(chain("edited", 2, "other"))
            .addFilterChains(chain("same", 1, "s"))
            .addFilterChains(chain("new", 5, "s"))
            .build();

    ResourceDiff diff =
        ResourceDiff.between(
            resources(List.of(before), List.of()), resources(List.of(after), List.of()));

    assertThat(diff.listenerLevel())
        .as("reordered chains are not a listener-level change")
        .isEmpty();
    assertThat(diff.listeners().changed()).containsExactly("l");
    assertThat(diff.chains().changed())
        .extracting(ResourceDiff.ChainKey::name)
        .containsExactly("edited");
    assertThat(diff.chains().added())
        .extracting(ResourceDiff.ChainKey::name)
        .containsExactlyInAnyOrder("moved", "new");
    assertThat(diff.chains().removed())
        .extracting(ResourceDiff.ChainKey::name)
        .containsExactlyInAnyOrder("moved", "gone");
    assertThat(diff.chainNames()).containsOnlyKeys("l");
    assertThat(diff.chainNames().get("l")).containsExactly("edited", "gone", "moved", "new");
  }

  @Test
  void listenerLevelIsEverythingButTheChains() {
    Listener before =
        Listener.newBuilder().setName("l").addFilterChains(chain("a", 1, "s")).build();
    Listener after = before.toBuilder().addListenerFilters(ListenerFilters.originalDst()).build();
    Cluster cluster = Cluster.newBuilder().setName("c").build();

    ResourceDiff diff =
        ResourceDiff.between(
            resources(List.of(before), List.of(cluster)),
            resources(
                List.of(after),
                List.of(
                    cluster.toBuilder().setAltStatName("c;").build(),
                    Cluster.newBuilder().setName("d").build())));

    assertThat(diff.listenerLevel()).containsExactly("l");
    assertThat(diff.chains().isEmpty()).isTrue();
    assertThat(diff.clusters().changed()).containsExactly("c");
    assertThat(diff.clusters().added()).containsExactly("d");
    assertThat(diff.routes().isEmpty()).isTrue();
  }

  @Test
  void identicalTranslationsDifferInNothing() {
    Listener listener =
        Listener.newBuilder().setName("l").addFilterChains(chain("a", 1, "s")).build();
    ProxyResources resources =
        resources(List.of(listener), List.of(Cluster.newBuilder().setName("c").build()));
    assertThat(ResourceDiff.between(resources, resources).isEmpty()).isTrue();
  }
}
