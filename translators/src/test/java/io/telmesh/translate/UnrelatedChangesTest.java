package io.telmesh.translate;

import static io.telmesh.testing.KubeEdits.port;
import static io.telmesh.testing.KubeEdits.service;

import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.telmesh.envoy.Names;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.InboundPort;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ServicePort;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.ResourceDiff;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Long-lived connections survive unrelated changes: through a series of changes, each proxy's
 * listeners, chains, clusters, routes and assignments differ, byte for byte, in exactly what the
 * change touches, and Diameter chains never. The expected footprint of each change is written from
 * what it touches (the Services and pods it adds, removes or edits); anything else that differs is
 * a bug, and so is anything expected that does not.
 *
 * <p>Built incrementally, as the server builds it. Every pod is translated twice, as REDIRECT and
 * as TPROXY (node metadata; a pod's own annotation still wins).
 */
class UnrelatedChangesTest {

  /** A change, and what each pod's proxy is expected to see of it, given the states around it. */
  private record Step(String name, UnaryOperator<KubeObjects> change, Expectation expected) {}

  @FunctionalInterface
  private interface Expectation {
    Footprint of(Workload pod, MeshState before, MeshState after);
  }

  private static Step step(String name, UnaryOperator<KubeObjects> change, Expectation expected) {
    return new Step(name, change, expected);
  }

  /** The same footprint for every proxy. */
  private static Expectation everyProxy(Footprint footprint) {
    return (pod, before, after) -> footprint;
  }

  /** A footprint for every proxy, plus more for the named pods. */
  private static Expectation everyProxy(Footprint footprint, Map<String, Footprint> pods) {
    return (pod, before, after) -> footprint.plus(pods.getOrDefault(pod.name(), Footprint.NONE));
  }

  // ---------------------------------------------------------------- the demo

  private static final String LAB = "lab";
  private static final String BILLING = "billing.lab.svc.cluster.local";

  @Test
  void demo() {
    List<Step> steps =
        List.of(
            step(
                "every object's metadata bumped (resourceVersion, generation, annotations, a pod label)",
                o -> KubeEdits.bumped(o, "2"),
                everyProxy(Footprint.NONE)),
            step(
                "a NetworkAttachmentDefinition no pod uses is added",
                o ->
                    KubeEdits.withNetwork(
                        o, KubeEdits.network("telco", "backup", "192.168.90.0/24")),
                everyProxy(Footprint.NONE)),
            step(
                "a TCP Service in another namespace, selecting nothing yet",
                o ->
                    KubeEdits.withService(
                        o, service(LAB, "billing", "10.96.9.1", "billing", port("tcp-bill", 7100))),
                everyProxy(
                    Footprint.NONE.listeners("10.96.9.1_7100").outboundCluster(7100, BILLING))),
            step(
                "an HTTP Service in another namespace on 8080, a port telco's HTTP Services use too",
                o ->
                    KubeEdits.withService(
                        o,
                        service(LAB, "portal", "10.96.9.2", "portal", port("http-portal", 8080))),
                // 0.0.0.0_8080 names only its port and its route: its bytes stay; the route gets a
                // host.
                everyProxy(
                    Footprint.NONE
                        .routes("8080")
                        .outboundCluster(8080, "portal.lab.svc.cluster.local"))),
            step(
                "a Diameter Service in another namespace, without a selector",
                o ->
                    KubeEdits.withService(
                        o, service(LAB, "peer", "10.96.9.3", null, port("diameter", 3868))),
                everyProxy(
                    Footprint.NONE
                        .listeners("10.96.9.3_3868")
                        .outboundCluster(3868, "peer.lab.svc.cluster.local"))),
            step(
                "a pod appears in the other namespace, selected by its TCP Service",
                o -> KubeEdits.withPod(o, billingPod()),
                everyProxy(Footprint.NONE.endpoints(Names.outboundCluster(7100, BILLING)))),
            step(
                "smf-0 becomes not ready (its pod and its slice): both Services it serves",
                o -> notReady(o, "smf-0", "smf-9dl2c"),
                everyProxy(
                    Footprint.NONE.endpoints(
                        "outbound|8080||smf.telco.svc.cluster.local",
                        "outbound|8080||smf-signaling.telco.svc.cluster.local"))),
            step(
                "db-1 becomes not ready: a headless Service's listeners are per ready endpoint",
                o -> notReady(o, "db-1", "db-2kd8f"),
                everyProxy(
                    Footprint.NONE
                        .listeners("10.244.3.31_9042")
                        .endpoints("outbound|9042||db.telco.svc.cluster.local"))),
            step(
                "hss-0 becomes not ready (a Service on a secondary network)",
                o -> notReady(o, "hss-0", "hss-m2x8d"),
                everyProxy(Footprint.NONE.endpoints("outbound|3868||hss.telco.svc.cluster.local"))),
            step(
                "the other namespace's TCP Service is removed; its pod stays",
                o -> KubeEdits.withoutService(o, LAB, "billing"),
                everyProxy(
                    Footprint.NONE.listeners("10.96.9.1_7100").outboundCluster(7100, BILLING),
                    Map.of(
                        "billing-0",
                        Footprint.NONE
                            .chains(Names.VIRTUAL_INBOUND, "0.0.0.0_7100")
                            .clusters("inbound|7100||")))),
            step(
                "the headless Service db is removed: db pods lose a TCP port, not their listener-level fields",
                o -> KubeEdits.withoutService(o, "telco", "db"),
                everyProxy(
                    Footprint.NONE
                        .listeners("10.244.3.30_9042")
                        .outboundCluster(9042, "db.telco.svc.cluster.local"),
                    Map.of(
                        "db-0",
                        Footprint.NONE
                            .chains(Names.VIRTUAL_INBOUND, "0.0.0.0_9042")
                            .clusters("inbound|9042||"),
                        "db-1",
                        Footprint.NONE
                            .chains(Names.VIRTUAL_INBOUND, "0.0.0.0_9042")
                            .clusters("inbound|9042||")))),
            step(
                "a Service selecting amf-0 on a new explicit TCP port: new chains, no drain of the others",
                o ->
                    KubeEdits.withService(
                        o,
                        service(
                            "telco", "amf-admin", "10.96.0.13", "amf", port("tcp-admin", 9500))),
                everyProxy(
                    Footprint.NONE
                        .listeners("10.96.0.13_9500")
                        .outboundCluster(9500, "amf-admin.telco.svc.cluster.local"),
                    Map.of(
                        "amf-0",
                        Footprint.NONE
                            .chains(
                                Names.VIRTUAL_INBOUND,
                                "0.0.0.0_9500",
                                "eth0_9500",
                                "net1_9500",
                                "net2_9500")
                            .clusters("inbound|9500||")))),
            step(
                "a Service selecting hss-0 on a new sniffed port: the one change that must drain virtualInbound",
                o ->
                    KubeEdits.withService(
                        o, service("telco", "hss-probe", "10.96.0.21", "hss", port("", 9600))),
                everyProxy(
                    Footprint.NONE
                        .listeners("10.96.0.21_9600")
                        .routes("9600")
                        .outboundCluster(9600, "hss-probe.telco.svc.cluster.local"),
                    Map.of(
                        "hss-0",
                        Footprint.NONE
                            .listenerLevel(Names.VIRTUAL_INBOUND)
                            .chains(Names.VIRTUAL_INBOUND, "0.0.0.0_9600", "eth0_9600", "net1_9600")
                            .clusters("inbound|9600||")))),
            step(
                "hss's Diameter port is renamed: its own Service changed, but not what its chains do",
                o ->
                    KubeEdits.editService(
                        o,
                        "telco",
                        "hss",
                        s ->
                            s.editSpec()
                                .editFirstPort()
                                .withName("diameter-s6a")
                                .endPort()
                                .endSpec()),
                everyProxy(Footprint.NONE)),
            step(
                "the sniffed Service is removed again",
                o -> KubeEdits.withoutService(o, "telco", "hss-probe"),
                everyProxy(
                    Footprint.NONE
                        .listeners("10.96.0.21_9600")
                        .routes("9600")
                        .outboundCluster(9600, "hss-probe.telco.svc.cluster.local"),
                    Map.of(
                        "hss-0",
                        Footprint.NONE
                            .listenerLevel(Names.VIRTUAL_INBOUND)
                            .chains(Names.VIRTUAL_INBOUND, "0.0.0.0_9600", "eth0_9600", "net1_9600")
                            .clusters("inbound|9600||")))));
    run(Meshes.objects(Meshes.demoDir()), steps);
  }

  private static io.fabric8.kubernetes.api.model.Pod billingPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("billing-0")
        .withNamespace(LAB)
        .withLabels(Map.of("app", "billing"))
        .withCreationTimestamp("2026-12-01T00:00:00Z")
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("billing")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .withPodIP("10.244.9.10")
        .addNewPodIP()
        .withIp("10.244.9.10")
        .endPodIP()
        .endStatus()
        .build();
  }

  /** A pod turning not ready: its Ready condition, and its endpoint in the Service's slice. */
  private static KubeObjects notReady(KubeObjects objects, String pod, String slice) {
    KubeObjects edited =
        KubeEdits.editPod(
            objects,
            "telco",
            pod,
            p ->
                p.editStatus().editFirstCondition().withStatus("False").endCondition().endStatus());
    return KubeEdits.editSlice(
        edited,
        "telco",
        slice,
        s -> {
          List<Endpoint> endpoints = new ArrayList<>();
          for (Endpoint endpoint : s.buildEndpoints()) {
            boolean target =
                endpoint.getTargetRef() != null && pod.equals(endpoint.getTargetRef().getName());
            endpoints.add(
                target
                    ? new EndpointBuilder(endpoint)
                        .withNewConditions()
                        .withReady(false)
                        .endConditions()
                        .build()
                    : endpoint);
          }
          return s.withEndpoints(endpoints);
        });
  }

  // ---------------------------------------------------------------- a generated mesh

  private static final MeshGenerator.Shape SHAPE = new MeshGenerator.Shape(40, 80, 3, 3);

  @Test
  void generatedMesh() {
    List<Step> steps =
        List.of(
            step(
                "every object's metadata bumped",
                o -> KubeEdits.bumped(o, "7"),
                everyProxy(Footprint.NONE)),
            step(
                "an unused NetworkAttachmentDefinition is added",
                o -> KubeEdits.withNetwork(o, KubeEdits.network("ns1", "net9", "10.109.0.0/16")),
                everyProxy(Footprint.NONE)),
            step(
                "a Diameter endpoint of svc1 becomes not ready",
                o ->
                    KubeEdits.editSlice(
                        o,
                        "ns1",
                        "svc1-slice",
                        s ->
                            s.editFirstEndpoint()
                                .withNewConditions()
                                .withReady(false)
                                .endConditions()
                                .endEndpoint()),
                everyProxy(Footprint.NONE.endpoints("outbound|3868||svc1.ns1.svc.cluster.local"))),
            step(
                "a TCP Service selecting nothing is added in ns2",
                o ->
                    KubeEdits.withService(
                        o,
                        service("ns2", "extra", "10.96.9.1", "nothing", port("tcp-extra", 7100))),
                serviceAdded("ns2", "extra")),
            step(
                "an HTTP Service selecting nothing is added in ns0 on the SBI port 8080",
                o ->
                    KubeEdits.withService(
                        o, service("ns0", "web", "10.96.9.2", "nothing", port("http-web", 8080))),
                serviceAdded("ns0", "web")),
            step(
                "svc2 (plain TCP) is removed: its pods lose a port's chains, nobody else's chains change",
                o -> KubeEdits.withoutService(o, "ns2", "svc2"),
                serviceRemoved("ns2", "svc2")),
            step(
                "svc1 (Diameter) is removed: its pods declare 3868 as Diameter, so their chains stay",
                o -> KubeEdits.withoutService(o, "ns1", "svc1"),
                (pod, before, after) ->
                    Footprint.outboundService(meshService(before, "ns1", "svc1"))),
            step(
                "a Service selecting svc5's Diameter pods on a new explicit TCP port",
                o ->
                    KubeEdits.withService(
                        o,
                        service("ns2", "diam-admin", "10.96.9.3", "svc5", port("tcp-admin", 9500))),
                serviceAdded("ns2", "diam-admin")),
            step(
                "svc3 (sniffed 7000) gets an explicit TCP port 7001",
                o ->
                    KubeEdits.editService(
                        o,
                        "ns0",
                        "svc3",
                        s -> s.editSpec().addToPorts(port("tcp-more", 7001)).endSpec()),
                portAdded("ns0", "svc3", 7001)),
            step(
                "svc7 (sniffed 7000) gets a second sniffed port 7002: its pods' inspector predicate changes",
                o ->
                    KubeEdits.editService(
                        o,
                        "ns1",
                        "svc7",
                        s -> s.editSpec().addToPorts(port("probe", 7002)).endSpec()),
                portAdded("ns1", "svc7", 7002)));
    run(MeshGenerator.generate(SHAPE), steps);
  }

  private static MeshService meshService(MeshState mesh, String namespace, String name) {
    return mesh.services().get(new NamespacedName(namespace, name));
  }

  private static boolean selects(MeshService service, Workload pod) {
    return service.namespace().equals(pod.namespace()) && service.selects(pod.labelMap());
  }

  /**
   * Every proxy: the new Service's outbound resources; the pods it selects: a port's chains each.
   */
  private static Expectation serviceAdded(String namespace, String name) {
    return (pod, before, after) -> serviceFootprint(meshService(after, namespace, name), pod);
  }

  private static Expectation serviceRemoved(String namespace, String name) {
    return (pod, before, after) -> serviceFootprint(meshService(before, namespace, name), pod);
  }

  private static Footprint serviceFootprint(MeshService service, Workload pod) {
    Footprint footprint = Footprint.outboundService(service);
    if (selects(service, pod)) {
      for (ServicePort port : service.ports()) {
        footprint =
            footprint.plus(
                Footprint.inboundPort(pod, port.port(), port.protocol() == AppProtocol.AUTO));
      }
    }
    return footprint;
  }

  private static Expectation portAdded(String namespace, String name, int number) {
    return (pod, before, after) -> {
      MeshService service = meshService(after, namespace, name);
      ServicePort port =
          service.ports().stream().filter(p -> p.port() == number).findFirst().orElseThrow();
      Footprint footprint = Footprint.outboundPort(service, port);
      return selects(service, pod)
          ? footprint.plus(Footprint.inboundPort(pod, number, port.protocol() == AppProtocol.AUTO))
          : footprint;
    };
  }

  // ---------------------------------------------------------------- the check

  private static List<ProxyNode> nodes(Workload pod) {
    String ip = pod.clusterIps().isEmpty() ? "10.0.0.1" : pod.clusterIps().get(0).address();
    return List.of(
        Nodes.sidecar(pod.name(), pod.namespace(), ip, Map.of()),
        Nodes.sidecar(pod.name(), pod.namespace(), ip, Map.of("INTERCEPTION_MODE", "TPROXY")));
  }

  private static void run(KubeObjects base, List<Step> steps) {
    SoftAssertions softly = new SoftAssertions();
    MeshStateBuilder builder = new MeshStateBuilder();
    KubeObjects objects = base;
    MeshState mesh = builder.next(objects);
    MeshTranslation translation = Translator.prepare(mesh);
    int diameterChains = 0;
    for (Step step : steps) {
      KubeObjects nextObjects = step.change().apply(objects);
      MeshState nextMesh = builder.next(nextObjects);
      MeshTranslation next = Translator.prepare(nextMesh, translation);
      for (Workload pod : mesh.workloads().values()) {
        if (!nextMesh.workloads().containsKey(pod.key())) {
          continue;
        }
        Footprint expected = step.expected().of(pod, mesh, nextMesh);
        Set<Integer> diameterPorts =
            mesh.portsOf(pod.key()).inbound().stream()
                .filter(p -> p.protocol() == AppProtocol.DIAMETER)
                .map(InboundPort::targetPort)
                .collect(Collectors.toSet());
        for (ProxyNode node : nodes(pod)) {
          ProxyResources before = translation.forProxy(node);
          ResourceDiff diff = ResourceDiff.between(before, next.forProxy(node));
          softly
              .assertThat(Footprint.of(diff))
              .as("%s\n  for %s", step.name(), node.id())
              .isEqualTo(expected);
          List<ResourceDiff.ChainKey> diameter = diameterChainKeys(before, diameterPorts);
          diameterChains += diameter.size();
          softly
              .assertThat(diff.chains().all())
              .filteredOn(diameter::contains)
              .as("Diameter chains changed by: %s\n  for %s", step.name(), node.id())
              .isEmpty();
        }
      }
      translation.forgetPrevious();
      translation = next;
      mesh = nextMesh;
      objects = nextObjects;
    }
    softly.assertThat(diameterChains).as("Diameter chains were there to check").isPositive();
    softly.assertAll();
  }

  /**
   * The virtualInbound chains serving the pod's Diameter ports, as {@link ResourceDiff} keys them.
   */
  private static List<ResourceDiff.ChainKey> diameterChainKeys(
      ProxyResources resources, Set<Integer> ports) {
    Listener inbound = resources.listeners().get(Names.VIRTUAL_INBOUND).orElse(null);
    if (inbound == null) {
      return List.of();
    }
    List<ResourceDiff.ChainKey> keys = new ArrayList<>();
    for (FilterChain chain : inbound.getFilterChainsList()) {
      if (ports.contains(chain.getFilterChainMatch().getDestinationPort().getValue())) {
        keys.add(ResourceDiff.ChainKey.of(inbound, chain));
      }
    }
    return keys;
  }
}
