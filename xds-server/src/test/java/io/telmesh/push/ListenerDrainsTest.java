package io.telmesh.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.telmesh.envoy.Addresses;
import io.telmesh.envoy.ListenerFilters;
import io.telmesh.envoy.Names;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.node.ProxyNode;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.SnapshotFactory;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerDrainsTest {

  private static final Listener BASE =
      Listener.newBuilder()
          .setName("l")
          .setAddress(Addresses.socket("0.0.0.0", 15006))
          .addListenerFilters(ListenerFilters.originalDst())
          .addListenerFilters(ListenerFilters.httpInspectorOnlyOn(List.of(9000)))
          .addFilterChains(FilterChain.newBuilder().setName("a"))
          .build();

  @Test
  void chainsAloneAreNoDrain() {
    Listener more =
        BASE.toBuilder()
            .addFilterChains(FilterChain.newBuilder().setName("b"))
            .setDefaultFilterChain(FilterChain.newBuilder().setName("default"))
            .build();
    assertThat(ListenerDrains.changedFields(BASE, more)).isEmpty();
    assertThat(ListenerDrains.changedFields(BASE, BASE)).isEmpty();
  }

  @Test
  void everyOtherFieldIsNamed() {
    Listener changed =
        BASE.toBuilder()
            .setAddress(Addresses.socket("::", 15006))
            .setTransparent(BoolValue.of(true))
            .setBindToPort(BoolValue.of(true))
            .build();
    assertThat(ListenerDrains.changedFields(BASE, changed))
        .containsExactly("address", "transparent", "bind_to_port");
  }

  @Test
  void anExplicitDefaultDiffersFromUnset() {
    assertThat(
            ListenerDrains.changedFields(
                BASE, BASE.toBuilder().setTransparent(BoolValue.of(false)).build()))
        .containsExactly("transparent");
  }

  @Test
  void listenerFiltersAreNamedDownToTheirField() {
    Listener predicate =
        BASE.toBuilder()
            .setListenerFilters(1, ListenerFilters.httpInspectorOnlyOn(List.of(9000, 9001)))
            .build();
    assertThat(ListenerDrains.changedFields(BASE, predicate))
        .containsExactly(
            "listener_filters[" + ListenerFilters.HTTP_INSPECTOR + "].filter_disabled");

    Listener tproxy = BASE.toBuilder().addListenerFilters(ListenerFilters.originalSrc()).build();
    assertThat(ListenerDrains.changedFields(BASE, tproxy))
        .containsExactly("listener_filters[" + ListenerFilters.ORIGINAL_SRC + "]");
    assertThat(ListenerDrains.changedFields(tproxy, BASE))
        .containsExactly("listener_filters[" + ListenerFilters.ORIGINAL_SRC + "]");

    List<ListenerFilter> reversed = List.of(BASE.getListenerFilters(1), BASE.getListenerFilters(0));
    Listener reordered =
        BASE.toBuilder().clearListenerFilters().addAllListenerFilters(reversed).build();
    assertThat(ListenerDrains.changedFields(BASE, reordered)).containsExactly("listener_filters");
  }

  /** Between prepared snapshots, as the push pipeline calls it, on the demo's Diameter pod. */
  @Test
  void betweenSnapshotsOfTheDiameterPod() {
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    MeshStateBuilder builder = new MeshStateBuilder();
    MeshState before = builder.next(demo);
    MeshTranslation first = Translator.prepare(before);
    ProxyNode hss = Nodes.forWorkload(before, new NamespacedName("telco", "hss-0"));
    SnapshotFactory factory = new SnapshotFactory();
    ProxySnapshot a = factory.snapshot(first.forProxy(hss), 1, Instant.EPOCH);

    MeshState explicit =
        builder.next(
            KubeEdits.withService(
                demo,
                KubeEdits.service(
                    "telco", "hss-admin", "10.96.0.23", "hss", KubeEdits.port("tcp-admin", 9500))));
    MeshTranslation second = Translator.prepare(explicit, first);
    ProxySnapshot b = factory.snapshot(second.forProxy(hss), 2, Instant.EPOCH);
    assertThat(ListenerDrains.between(a, b))
        .as("new chains and a new listener: no drain")
        .isEmpty();

    MeshState sniffed =
        builder.next(
            KubeEdits.withService(
                demo,
                KubeEdits.service(
                    "telco", "hss-probe", "10.96.0.21", "hss", KubeEdits.port("", 9600))));
    ProxySnapshot c =
        factory.snapshot(Translator.prepare(sniffed, second).forProxy(hss), 3, Instant.EPOCH);
    assertThat(ListenerDrains.between(b, c))
        .containsExactly(
            new ListenerDrains.Drain(
                Names.VIRTUAL_INBOUND, "listener_filters[" + ListenerFilters.HTTP_INSPECTOR + "]"));
  }
}
