package io.telmesh.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.telmesh.model.MeshState;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import io.telmesh.resources.ResourceType;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The remembering validator finds exactly what checking every resource afresh finds. */
class EnvoyValidatorTest {

  /** No memory at all: every resource's constraints, then the cross-resource rules. */
  private static List<Violation> direct(ProxyResources resources) {
    ProtoConstraintValidator constraints = ProtoConstraintValidator.envoy();
    List<Violation> violations = new ArrayList<>();
    for (ResourceSet<?> set :
        List.of(
            resources.listeners(),
            resources.clusters(),
            resources.routes(),
            resources.endpoints())) {
      set.all().forEach(r -> violations.addAll(constraints.validate(r)));
    }
    violations.addAll(CrossResourceValidator.validate(resources));
    return violations.stream().sorted().distinct().toList();
  }

  @Test
  void agreesWithCheckingEverythingAfreshOnEveryProxy() {
    EnvoyValidator remembering = EnvoyValidator.create();
    for (MeshState mesh :
        List.of(
            Meshes.demo(),
            Meshes.load(Meshes.testMeshDir("edge")),
            Meshes.demoWith(
                """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: amf, namespace: telco}
                spec:
                  workloadSelector: {labels: {app: amf}}
                  egress: [{hosts: [./hss.telco.svc.cluster.local]}]
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """),
            io.telmesh.mesh.MeshStateBuilder.build(
                MeshGenerator.generate(new MeshGenerator.Shape(20, 40, 3, 2))))) {
      MeshTranslation translation = Translator.prepare(mesh);
      List<ProxyNode> nodes =
          new ArrayList<>(
              mesh.workloads().keySet().stream().map(k -> Nodes.forWorkload(mesh, k)).toList());
      nodes.add(Nodes.grpc("client", "default"));
      for (ProxyNode node : nodes) {
        ProxyResources resources = translation.forProxy(node);
        assertThat(remembering.validate(resources)).isEqualTo(direct(resources)).isEmpty();
      }
    }
  }

  @Test
  void findsABrokenResourceInAProxysOwnSegmentAndACrossReference() {
    ProxyResources good = firstDemoProxy();
    ResourceSegment<Listener> own = good.listeners().segments().get(1);
    Listener inbound = own.byName().get("virtualInbound");
    Listener broken =
        inbound.toBuilder()
            .setFilterChains(
                3,
                inbound.getFilterChains(3).toBuilder()
                    .setFilters(
                        0,
                        inbound.getFilterChains(3).getFilters(0).toBuilder()
                            .setTypedConfig(
                                io.telmesh.envoy.Protos.pack(
                                    io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3
                                        .TcpProxy.newBuilder()
                                        .setCluster("nowhere")
                                        .build()))))
            .build();
    List<Listener> listeners = new ArrayList<>(own.resources());
    listeners.replaceAll(l -> l.getName().equals("virtualInbound") ? broken : l);
    ProxyResources bad = withOwnListeners(good, listeners);
    EnvoyValidator validator = EnvoyValidator.create();
    assertThat(validator.validate(good))
        .as("the good proxy first, so its shared segments are remembered")
        .isEmpty();
    List<Violation> violations = validator.validate(bad);
    assertThat(violations).isEqualTo(direct(bad));
    assertThat(violations)
        .extracting(Violation::rule)
        .contains("string.min_len", "reference.cluster");
    assertThat(violations)
        .allSatisfy(v -> assertThat(v.resourceName()).isEqualTo("virtualInbound"));
    assertThat(violations)
        .anySatisfy(
            v ->
                assertThat(v.path())
                    .isEqualTo("filter_chains[3].filters[0].typed_config.stat_prefix"));
  }

  /**
   * Facts are remembered per filter object, and one object can sit in several listeners: each
   * listener's violations name it and their own path.
   */
  @Test
  void aFilterSharedByTwoListenersIsReportedInEach() {
    ProxyResources good = firstDemoProxy();
    ResourceSegment<Listener> own = good.listeners().segments().get(1);
    Filter nowhere =
        Filter.newBuilder()
            .setName("envoy.filters.network.tcp_proxy")
            .setTypedConfig(
                io.telmesh.envoy.Protos.pack(
                    io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                        .newBuilder()
                        .setStatPrefix("nowhere")
                        .setCluster("nowhere")
                        .build()))
            .build();
    Map<String, Integer> chainOf = Map.of("virtualInbound", 3, "virtualOutbound", 0);
    List<Listener> listeners = new ArrayList<>(own.resources());
    listeners.replaceAll(
        l ->
            chainOf.containsKey(l.getName())
                ? l.toBuilder()
                    .setFilterChains(
                        chainOf.get(l.getName()),
                        l.getFilterChains(chainOf.get(l.getName())).toBuilder()
                            .setFilters(0, nowhere))
                    .build()
                : l);
    ProxyResources bad = withOwnListeners(good, listeners);
    List<Violation> violations = EnvoyValidator.create().validate(bad);
    assertThat(violations).isEqualTo(direct(bad));
    assertThat(violations)
        .filteredOn(v -> v.rule().equals("reference.cluster"))
        .extracting(v -> v.resourceName() + " " + v.path())
        .containsExactlyInAnyOrder(
            "virtualInbound filter_chains[3].filters[0].typed_config.cluster",
            "virtualOutbound filter_chains[0].filters[0].typed_config.cluster");
  }

  /** The demo's first workload's sidecar, which is valid. */
  private static ProxyResources firstDemoProxy() {
    MeshState mesh = Meshes.demo();
    return Translator.prepare(mesh).forProxy(Nodes.forWorkload(mesh, mesh.workloads().firstKey()));
  }

  /** The proxy's resources with these listeners as its own segment. */
  private static ProxyResources withOwnListeners(ProxyResources good, List<Listener> listeners) {
    return new ProxyResources(
        ResourceSet.of(
            good.listeners().segments().get(0),
            ResourceSegment.of(ResourceType.LISTENER, listeners)),
        good.clusters(),
        good.routes(),
        good.endpoints(),
        good.untouched(),
        good.problems());
  }
}
