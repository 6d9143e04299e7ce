package io.telmesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.kube.KubeObjects;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.InboundPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.UntouchedPort;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.Meshes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every problem case yields a problem naming object and field; the rest translates normally. */
class MeshStateBuilderTest {

  private static final MeshState EDGE = Meshes.load(Meshes.testMeshDir("edge"));

  private static NamespacedName edge(String name) {
    return new NamespacedName("edge", name);
  }

  private static List<Problem> problemsOf(String kind, String name) {
    return EDGE.problems().stream()
        .filter(p -> p.kind().equals(kind) && p.name().equals(name))
        .toList();
  }

  @Test
  void malformedNetworkStatusKeepsEth0FromPodIps() {
    assertThat(problemsOf("Pod", "badstatus-0"))
        .anySatisfy(
            p -> {
              assertThat(p.field())
                  .isEqualTo("metadata.annotations[k8s.v1.cni.cncf.io/network-status]");
              assertThat(p.reason()).contains("malformed JSON");
            });
    assertThat(EDGE.workload(edge("badstatus-0")).orElseThrow().interfaces())
        .containsExactly(
            new PodInterface(
                "eth0", "default", List.of(IpAddress.parse("10.10.0.6").orElseThrow()), true));
  }

  @Test
  void malformedNetworksRequestIsAProblem() {
    assertThat(problemsOf("Pod", "badstatus-0"))
        .anySatisfy(
            p -> {
              assertThat(p.field()).isEqualTo("metadata.annotations[k8s.v1.cni.cncf.io/networks]");
              assertThat(p.reason()).contains("no \"name\"");
            });
  }

  @Test
  void entriesWithoutInterfaceOrAddressesAreNotedAndSkipped() {
    assertThat(problemsOf("Pod", "hostile-0"))
        .anySatisfy(p -> assertThat(p.reason()).contains("net4 has no addresses"));
    assertThat(EDGE.workload(edge("hostile-0")).orElseThrow().interfaces())
        .extracting(PodInterface::name)
        .containsExactly("eth0", "net2", "net3");
  }

  @Test
  void hostileAnnotationValuesAreRejectedNamingTheAnnotation() {
    List<Problem> hostile = problemsOf("Pod", "hostile-0");
    assertThat(hostile)
        .anySatisfy(
            p -> {
              assertThat(p.field())
                  .isEqualTo("metadata.annotations[traffic.sidecar.istio.io/excludeInterfaces]");
              assertThat(p.reason()).contains("not an interface name");
            });
    assertThat(hostile)
        .anySatisfy(
            p -> {
              assertThat(p.field())
                  .isEqualTo("metadata.annotations[traffic.sidecar.istio.io/includeInboundPorts]");
              assertThat(p.reason()).contains("'70000' is not a port");
            });
    assertThat(hostile)
        .anySatisfy(
            p ->
                assertThat(p.field())
                    .isEqualTo(
                        "metadata.annotations[traffic.sidecar.istio.io/excludeInboundPorts]"));
    assertThat(hostile)
        .anySatisfy(
            p ->
                assertThat(p.field())
                    .isEqualTo("metadata.annotations[sidecar.istio.io/interceptionMode]"));
    assertThat(hostile)
        .anySatisfy(p -> assertThat(p.reason()).contains("invalid interface name 'net1; reboot'"));
    var capture = EDGE.workload(edge("hostile-0")).orElseThrow().capture();
    assertThat(capture.excludeInterfaces()).isEmpty();
    assertThat(capture.includeInboundPorts().all()).isTrue();
    assertThat(capture.interceptionMode()).isEmpty();
  }

  @Test
  void badPortsAreProblemsAndSkipped() {
    List<Problem> web = problemsOf("Service", "web-b");
    assertThat(web)
        .anySatisfy(
            p -> {
              assertThat(p.field()).isEqualTo("spec.ports[2].port");
              assertThat(p.reason()).contains("'99999' is not a port");
            });
    assertThat(web).anySatisfy(p -> assertThat(p.field()).isEqualTo("spec.ports[3].targetPort"));
    assertThat(web)
        .anySatisfy(
            p -> {
              assertThat(p.field()).isEqualTo("spec.ports[1].name");
              assertThat(p.reason()).contains("not a valid port name");
            });
    assertThat(problemsOf("Pod", "hostile-0"))
        .anySatisfy(
            p -> assertThat(p.field()).isEqualTo("spec.containers[0].ports[2].containerPort"));
    assertThat(EDGE.services().get(edge("web-b")).ports())
        .extracting(p -> p.port())
        .containsExactly(81, 82);
  }

  @Test
  void oldestServiceWinsATargetPort() {
    List<InboundPort> inbound = EDGE.portsOf(edge("hostile-0")).inbound();
    assertThat(inbound)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.targetPort()).isEqualTo(8080);
              assertThat(p.protocol()).isEqualTo(AppProtocol.HTTP);
              assertThat(p.service().orElseThrow().service()).isEqualTo(edge("web-a"));
            });
    assertThat(problemsOf("Service", "web-b"))
        .anySatisfy(
            p -> {
              assertThat(p.field()).isEqualTo("spec.ports[0].targetPort");
              assertThat(p.reason()).contains("older Service edge/web-a");
            });
  }

  @Test
  void unknownNetworkAttachmentsAreProblems() {
    assertThat(problemsOf("Pod", "hostile-0"))
        .anySatisfy(p -> assertThat(p.reason()).contains("edge/ghost, which is not known"));
    assertThat(problemsOf("Service", "ghost-net"))
        .anySatisfy(p -> assertThat(p.reason()).contains("edge/ghost not found"));
    assertThat(problemsOf("NetworkAttachmentDefinition", "broken-nad"))
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("malformed CNI JSON"));
  }

  @Test
  void tcpAndSctpOnOnePortServeTcpAndLeaveSctp() {
    var dual = EDGE.services().get(edge("dual"));
    assertThat(dual.ports())
        .extracting(p -> p.port() + "/" + p.transport())
        .containsExactly("7000/TCP", "7001/TCP");
    assertThat(dual.untouchedPorts())
        .extracting(p -> p.port() + "/" + p.transport())
        .containsExactly("7000/SCTP");
    List<UntouchedPort> untouched = EDGE.portsOf(edge("dual-0")).untouched();
    assertThat(untouched)
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.transport()).isEqualTo(L4Protocol.SCTP);
              assertThat(u.reason()).contains("SCTP is never proxied");
            });
  }

  @Test
  void secondaryNetworkEndpointsComeFromNetworkStatusNeverFromEth0() {
    List<ServiceEndpoint> endpoints = EDGE.endpointsOf(edge("sig-svc"), 7000);
    assertThat(endpoints)
        .extracting(e -> e.address().address() + ":" + e.port() + ":" + e.ready())
        .containsExactly(
            "192.168.80.20:7000:true", "192.168.80.21:7000:true", "192.168.80.22:7000:false");
    assertThat(problemsOf("Service", "sig-svc"))
        .singleElement()
        .satisfies(
            p -> assertThat(p.reason()).contains("sig-missing has no interface on edge/sig"));
  }

  @Test
  void invalidServiceNetworkIsNotServedAtAll() {
    assertThat(EDGE.services()).doesNotContainKey(edge("bad-net"));
    assertThat(problemsOf("Service", "bad-net"))
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("must not fall back to eth0"));
  }

  @Test
  void secondaryReadinessFollowsTheEth0EndpointThenConditionThenPhase() {
    MeshState mesh =
        Meshes.yaml(
            """
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n, annotations: {k8s.v1.cni.cncf.io/service-network: sig}}
        spec: {clusterIP: 10.0.0.1, selector: {app: a}, ports: [{name: tcp, port: 7}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: s-1, namespace: n, labels: {kubernetes.io/service-name: s}}
        addressType: IPv4
        ports: [{name: tcp, port: 7}]
        endpoints:
        - {addresses: [10.1.0.1], conditions: {ready: false}, targetRef: {kind: Pod, name: p1}}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: p1
          namespace: n
          labels: {app: a}
          annotations: {k8s.v1.cni.cncf.io/network-status: '[{"name":"sig","interface":"net1","ips":["192.168.0.1"]}]'}
        status: {phase: Running, conditions: [{type: Ready, status: "True"}], podIPs: [{ip: 10.1.0.1}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: p2
          namespace: n
          labels: {app: a}
          annotations: {k8s.v1.cni.cncf.io/network-status: '[{"name":"sig","interface":"net1","ips":["192.168.0.2"]}]'}
        status: {phase: Running, conditions: [{type: Ready, status: "False"}], podIPs: [{ip: 10.1.0.2}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: p3
          namespace: n
          labels: {app: a}
          annotations: {k8s.v1.cni.cncf.io/network-status: '[{"name":"n/sig","interface":"net1","ips":["192.168.0.3"]}]'}
        status: {phase: Running, podIPs: [{ip: 10.1.0.3}]}
        """);
    assertThat(mesh.endpointsOf(new NamespacedName("n", "s"), 7))
        .extracting(e -> e.address().address() + ":" + e.ready())
        // p1: its eth0 endpoint says not ready, though its condition says ready
        // p2: no eth0 endpoint, condition False; p3: no condition, Running
        .containsExactly("192.168.0.1:false", "192.168.0.2:false", "192.168.0.3:true");
  }

  @Test
  void multusSlicesWinAndAreNeverMergedWithEth0Slices() {
    MeshState demo = Meshes.demo();
    assertThat(demo.endpointsOf(new NamespacedName("telco", "ocs"), 3868))
        .extracting(e -> e.address().address())
        .containsExactly("192.168.50.22");
    assertThat(demo.endpointsOf(new NamespacedName("telco", "hss"), 3868))
        .extracting(e -> e.address().address())
        .containsExactly("192.168.50.20", "fd00:50::20");
  }

  @Test
  void peerToPeerDiameterContainerPortsAreServedWithoutAService() {
    MeshState demo = Meshes.demo();
    assertThat(demo.portsOf(new NamespacedName("telco", "dra-0")).inbound())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.targetPort()).isEqualTo(3868);
              assertThat(p.protocol()).isEqualTo(AppProtocol.DIAMETER);
              assertThat(p.service()).isEmpty();
            });
  }

  @Test
  void duplicateObjectsKeepTheFirstAndSayso() {
    MeshState mesh =
        Meshes.yaml(
            """
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n}
        spec: {clusterIP: 10.0.0.1, ports: [{name: tcp, port: 7}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: n}
        spec: {clusterIP: 10.0.0.2, ports: [{name: tcp, port: 8}]}
        """);
    assertThat(mesh.services().get(new NamespacedName("n", "s")).ports())
        .extracting(p -> p.port())
        .containsExactly(7);
    assertThat(mesh.problems())
        .singleElement()
        .satisfies(p -> assertThat(p.reason()).contains("defined twice"));
  }

  @Test
  void brokenYamlIsAProblemAndEarlierDocumentsSurvive() {
    MeshState mesh =
        Meshes.yaml(
            """
        apiVersion: v1
        kind: Service
        metadata: {name: ok, namespace: n}
        spec: {clusterIP: 10.0.0.1, ports: [{name: tcp, port: 7}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: broken, namespace: n
        spec: [
        """);
    assertThat(mesh.services()).containsOnlyKeys(new NamespacedName("n", "ok"));
    assertThat(mesh.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("Manifest");
              assertThat(p.reason()).contains("broken YAML");
            });
  }

  private static KubeObjects readiness(KubeObjects objects, String slice, boolean ready) {
    return KubeEdits.editSlice(
        objects,
        "telco",
        slice,
        b ->
            b.editFirstEndpoint()
                .withNewConditions()
                .withReady(ready)
                .endConditions()
                .endEndpoint());
  }

  /**
   * An endpoint change (slices replaced in place, every other object the same instance) is read
   * alone: no full build, and the state is what a fresh build of the view makes. A zone, a slice
   * that no longer reads, or any other object changed goes the full way.
   */
  @Test
  void endpointChangesAreJoinedAloneAndEqualAFreshBuild() {
    KubeObjects demo = Meshes.objects(Meshes.demoDir());
    MeshStateBuilder builder = new MeshStateBuilder();
    builder.next(demo);
    KubeObjects smfDown = readiness(demo, "smf-9dl2c", false);
    KubeObjects ocsDown = readiness(smfDown, "ocs-multus-n7q4w", false);
    KubeObjects bothUp = readiness(readiness(ocsDown, "smf-9dl2c", true), "ocs-multus-n7q4w", true);
    for (KubeObjects view : List.of(smfDown, ocsDown, bothUp, demo)) {
      MeshState state = builder.next(view);
      assertThat(state).isEqualTo(MeshStateBuilder.build(view));
    }
    assertThat(builder.fullBuilds()).as("endpoint changes only").isEqualTo(1);
    assertThat(builder.next(smfDown).endpoints())
        .isNotEqualTo(MeshStateBuilder.build(demo).endpoints());

    KubeObjects zoned =
        KubeEdits.editSlice(
            smfDown, "telco", "smf-9dl2c", b -> b.editFirstEndpoint().withZone("z9").endEndpoint());
    KubeObjects unreadable =
        KubeEdits.editSlice(
            zoned, "telco", "smf-9dl2c", b -> b.editMetadata().withLabels(Map.of()).endMetadata());
    KubeObjects podEdited =
        KubeEdits.editPod(
            demo, "telco", "amf-0", b -> b.editMetadata().addToLabels("tier", "x").endMetadata());
    long full = builder.fullBuilds();
    for (KubeObjects view : List.of(zoned, unreadable, podEdited)) {
      MeshState state = builder.next(view);
      assertThat(state).isEqualTo(MeshStateBuilder.build(view));
    }
    assertThat(builder.fullBuilds()).as("a zone, an unreadable slice, a pod").isEqualTo(full + 3);
    assertThat(builder.next(podEdited).problems())
        .isEqualTo(MeshStateBuilder.build(podEdited).problems());
  }
}
