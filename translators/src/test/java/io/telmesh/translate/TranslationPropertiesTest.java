package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.envoy.ListenerFilters;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.Protos;
import io.telmesh.inbound.InboundPlan;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.InboundPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.ServicePort;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSet;
import io.telmesh.testing.ListenerFilterPredicates;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.CrossResourceValidator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties every translation must have, independent of golden files, checked for every proxy of
 * the demo, the edge-case mesh and a generated mesh, in REDIRECT and TPROXY and with an idle
 * timeout.
 */
class TranslationPropertiesTest {

  private static final MeshGenerator.Shape GENERATED = new MeshGenerator.Shape(40, 80, 3, 3);

  static Stream<Arguments> meshes() {
    return Stream.of(
        Arguments.of("telco", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.demoDir())),
        Arguments.of(
            "edge", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.testMeshDir("edge"))),
        Arguments.of("generated", (Supplier<KubeObjects>) () -> MeshGenerator.generate(GENERATED)));
  }

  private static List<ProxyNode> nodes(MeshState mesh) {
    List<ProxyNode> nodes = new ArrayList<>();
    for (Workload w : mesh.workloads().values()) {
      String ip = w.clusterIps().isEmpty() ? "10.0.0.1" : w.clusterIps().get(0).address();
      nodes.add(Nodes.sidecar(w.name(), w.namespace(), ip, Map.of()));
      nodes.add(
          Nodes.sidecar(
              w.name(),
              w.namespace(),
              ip,
              Map.of("INTERCEPTION_MODE", "TPROXY", "IDLE_TIMEOUT", "30s")));
    }
    nodes.add(Nodes.grpc("client", "default"));
    // Proxyless gRPC servers in every pod (server listeners), and clients with short names.
    for (Workload w : mesh.workloads().values()) {
      nodes.add(Nodes.grpc(w.name(), w.namespace()));
    }
    nodes.add(Nodes.sidecar("unknown", "nowhere", "10.0.0.9", Map.of()));
    return nodes;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void envoyWouldAcceptEveryProxysResources(String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    for (ProxyNode node : nodes(mesh)) {
      assertThat(CrossResourceValidator.validate(translation.forProxy(node)))
          .as("violations for %s", node.id())
          .isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void sctpAndUdpPortsAppearNowhere(String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    for (ProxyNode node : nodes(mesh)) {
      ProxyResources resources = translation.forProxy(node);
      Set<String> listeners = resources.listeners().byName().keySet();
      Set<String> clusters = resources.clusters().byName().keySet();
      for (MeshService service : mesh.services().values()) {
        Set<Integer> tcpPorts =
            service.ports().stream().map(ServicePort::port).collect(Collectors.toSet());
        for (ServicePort port : service.untouchedPorts()) {
          if (tcpPorts.contains(port.port())) {
            continue; // TCP on the same number is served; the SCTP/UDP twin is what stays untouched
          }
          assertThat(clusters).doesNotContain(Names.outboundCluster(port.port(), service.fqdn()));
          for (IpAddress vip : service.clusterIps()) {
            assertThat(listeners).doesNotContain(Names.listener(vip.address(), port.port()));
          }
          assertThat(resources.listeners().all())
              .flatExtracting(Listener::getFilterChainsList)
              .noneMatch(c -> Names.hostPort(service.fqdn(), port.port()).equals(c.getName()));
        }
      }
      if (!node.metadata().isProxylessGrpc() && mesh.workload(node.pod()).isPresent()) {
        Set<Integer> served =
            mesh.portsOf(node.pod()).inbound().stream()
                .map(InboundPort::targetPort)
                .collect(Collectors.toSet());
        for (var untouched : mesh.portsOf(node.pod()).untouched()) {
          if (served.contains(untouched.port())) {
            continue;
          }
          assertThat(clusters).doesNotContain(Names.inboundCluster(untouched.port()));
          resources
              .listeners()
              .get(Names.VIRTUAL_INBOUND)
              .ifPresent(
                  l ->
                      assertThat(l.getFilterChainsList())
                          .noneMatch(
                              c ->
                                  c.getFilterChainMatch().getDestinationPort().getValue()
                                      == untouched.port()));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void diameterIsOpaqueLongLivedTcp(String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    int checkedChains = 0;
    for (ProxyNode node : nodes(mesh)) {
      if (node.metadata().isProxylessGrpc() || mesh.workload(node.pod()).isEmpty()) {
        continue;
      }
      ProxyResources resources = translation.forProxy(node);
      Set<Integer> diameterPorts =
          mesh.portsOf(node.pod()).inbound().stream()
              .filter(p -> p.protocol() == AppProtocol.DIAMETER)
              .map(InboundPort::targetPort)
              .collect(Collectors.toSet());
      Listener inbound = resources.listeners().get(Names.VIRTUAL_INBOUND).orElseThrow();
      for (FilterChain chain : inbound.getFilterChainsList()) {
        if (diameterPorts.contains(chain.getFilterChainMatch().getDestinationPort().getValue())) {
          assertDiameterChain(chain);
          assertThat(chain.getFilterChainMatch().getApplicationProtocolsList()).isEmpty();
          checkedChains++;
        }
      }
      for (int port : diameterPorts) {
        assertThat(ListenerFilterPredicates.runsOn(inbound, ListenerFilters.HTTP_INSPECTOR, port))
            .as("%s: HTTP inspector on Diameter port %d", node.id(), port)
            .isFalse();
      }
      for (int port : diameterPorts) {
        assertThat(
                resources
                    .clusters()
                    .get(Names.inboundCluster(port))
                    .orElseThrow()
                    .getUpstreamConnectionOptions()
                    .hasTcpKeepalive())
            .isTrue();
      }
      for (MeshService service : mesh.services().values()) {
        for (ServicePort port : service.ports()) {
          if (port.protocol() != AppProtocol.DIAMETER) {
            continue;
          }
          Cluster cluster =
              resources
                  .clusters()
                  .get(Names.outboundCluster(port.port(), service.fqdn()))
                  .orElseThrow();
          assertThat(cluster.getUpstreamConnectionOptions().hasTcpKeepalive()).isTrue();
          for (IpAddress vip : service.clusterIps().stream().limit(1).toList()) {
            Listener listener =
                resources.listeners().get(Names.listener(vip.address(), port.port())).orElseThrow();
            assertThat(listener.getListenerFiltersList()).isEmpty();
            listener.getFilterChainsList().forEach(TranslationPropertiesTest::assertDiameterChain);
          }
        }
      }
    }
    if (!name.equals("edge")) {
      assertThat(checkedChains).as("the mesh has Diameter chains to check").isPositive();
    }
  }

  private static void assertDiameterChain(FilterChain chain) {
    assertThat(chain.getFiltersList())
        .as("chain %s", chain.getName())
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getName()).isEqualTo(NetworkFilters.TCP_PROXY);
              TcpProxy proxy = unpack(f.getTypedConfig(), TcpProxy.class);
              assertThat(proxy.hasIdleTimeout()).isTrue();
              assertThat(proxy.getIdleTimeout()).isEqualTo(Duration.getDefaultInstance());
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void everyInterfaceAddressIsInExactlyItsInterfacesChains(
      String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    for (Workload workload : mesh.workloads().values()) {
      ProxyResources resources = translation.forProxy(Nodes.forWorkload(mesh, workload.key()));
      Listener inbound = resources.listeners().get(Names.VIRTUAL_INBOUND).orElseThrow();
      InboundPlan plan = InboundPlan.of(workload, mesh.portsOf(workload.key()).inbound());
      long capturedPorts =
          plan.ports().stream().filter(p -> InboundPlan.capturedPort(workload, p)).count();
      for (var binding : plan.interfaces()) {
        Set<String> own =
            binding.addresses().stream().map(IpAddress::address).collect(Collectors.toSet());
        List<FilterChain> chains =
            inbound.getFilterChainsList().stream()
                .filter(
                    c ->
                        c.getFilterChainMatch().getPrefixRangesList().stream()
                            .anyMatch(r -> own.contains(r.getAddressPrefix())))
                .toList();
        assertThat(chains)
            .as("%s %s", workload.key(), binding.interfaceName())
            .isNotEmpty()
            .hasSizeGreaterThanOrEqualTo((int) capturedPorts)
            .allSatisfy(
                c -> {
                  assertThat(c.getName()).startsWith(binding.interfaceName() + "_");
                  assertThat(c.getFilterChainMatch().getPrefixRangesList())
                      .extracting(CidrRange::getAddressPrefix)
                      .containsExactlyInAnyOrderElementsOf(own);
                  assertThat(
                          c.getMetadata()
                              .getFilterMetadataOrThrow(Names.METADATA_NAMESPACE)
                              .getFieldsOrThrow("interface")
                              .getStringValue())
                      .isEqualTo(binding.interfaceName());
                  assertThat(
                          c.getMetadata()
                              .getFilterMetadataOrThrow(Names.METADATA_NAMESPACE)
                              .getFieldsOrThrow("network")
                              .getStringValue())
                      .isEqualTo(binding.network());
                });
      }
      if (!workload.hasSecondaryInterfaces()) {
        assertThat(inbound.getFilterChainsList())
            .as("eth0-only pods keep Istio's shape")
            .allSatisfy(c -> assertThat(c.getFilterChainMatch().getPrefixRangesList()).isEmpty());
      }
      for (var iface : workload.interfaces()) {
        if (!workload.capture().capturesInboundOn(iface.name())) {
          assertThat(inbound.getFilterChainsList())
              .noneMatch(c -> c.getName().startsWith(iface.name() + "_"));
        }
      }
    }
  }

  /**
   * The inspector runs exactly on the pod's sniffed ports, so its predicate (a listener-level
   * field: changing it drains the listener) moves only when the set of sniffed ports does.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void httpInspectorRunsOnSniffedPortsOnly(String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    int sniffedSeen = 0;
    for (ProxyNode node : nodes(mesh)) {
      Listener inbound =
          translation.forProxy(node).listeners().get(Names.VIRTUAL_INBOUND).orElse(null);
      if (inbound == null || node.metadata().isProxylessGrpc()) {
        continue;
      }
      List<InboundPort> ports =
          mesh.workload(node.pod()).isPresent() ? mesh.portsOf(node.pod()).inbound() : List.of();
      Set<Integer> sniffed =
          ports.stream()
              .filter(p -> p.protocol() == AppProtocol.AUTO)
              .map(InboundPort::targetPort)
              .collect(Collectors.toSet());
      Set<Integer> probes = new HashSet<>(sniffed);
      ports.forEach(p -> probes.add(p.targetPort()));
      probes.addAll(List.of(Names.INBOUND_CAPTURE_PORT, 1, 80, 12345, 65535));
      for (int port : probes) {
        assertThat(ListenerFilterPredicates.runsOn(inbound, ListenerFilters.HTTP_INSPECTOR, port))
            .as("%s: HTTP inspector on port %d", node.id(), port)
            .isEqualTo(sniffed.contains(port));
      }
      sniffedSeen += sniffed.size();
    }
    if (!name.equals("edge")) {
      assertThat(sniffedSeen).as("the mesh has sniffed ports").isPositive();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void outputIsByteIdenticalWhateverTheInputOrder(String name, Supplier<KubeObjects> objects) {
    MeshState first = MeshStateBuilder.build(objects.get());
    MeshState second = MeshStateBuilder.build(shuffled(objects.get()));
    MeshTranslation a = Translator.prepare(first);
    MeshTranslation b = Translator.prepare(second);
    for (ProxyNode node : nodes(first)) {
      assertThat(bytes(b.forProxy(node)))
          .as("node %s", node.id())
          .isEqualTo(bytes(a.forProxy(node)));
    }
  }

  private static KubeObjects shuffled(KubeObjects objects) {
    Random random = new Random(42);
    return new KubeObjects(
        shuffle(objects.services(), random),
        shuffle(objects.endpointSlices(), random),
        shuffle(objects.pods(), random),
        shuffle(objects.networkAttachments(), random),
        objects.sourceProblems());
  }

  private static <T> List<T> shuffle(List<T> list, Random random) {
    List<T> copy = new ArrayList<>(list);
    Collections.shuffle(copy, random);
    return copy;
  }

  private static List<String> bytes(ProxyResources resources) {
    List<String> out = new ArrayList<>();
    for (ResourceSet<? extends Message> set :
        List.of(
            resources.listeners(),
            resources.clusters(),
            resources.routes(),
            resources.endpoints())) {
      set.byName()
          .forEach(
              (n, r) ->
                  out.add(
                      n
                          + "="
                          + java.util.Base64.getEncoder()
                              .encodeToString(Protos.deterministicBytes(r).toByteArray())));
    }
    return out;
  }

  static <T extends Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
