package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.envoy.Protos;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.Locality;
import io.telmesh.model.MeshState;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSet;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Building incrementally (reusing the previous build's reads, joins and resources) gives exactly
 * what a fresh build gives, through a series of changes; and an endpoint-only change reuses every
 * listener, cluster and per-pod resource object.
 */
class IncrementalTranslationTest {

  private static final KubeObjects BASE =
      MeshGenerator.generate(new MeshGenerator.Shape(30, 60, 3, 3));

  /** An endpoint-only change: the slice's first endpoint turned not ready. */
  private static final UnaryOperator<EndpointSliceBuilder> FIRST_NOT_READY =
      b -> b.editFirstEndpoint().withNewConditions().withReady(false).endConditions().endEndpoint();

  private static KubeObjects editSlice(
      KubeObjects objects, String name, UnaryOperator<EndpointSliceBuilder> edit) {
    List<EndpointSlice> slices = new ArrayList<>();
    objects
        .endpointSlices()
        .forEach(
            s ->
                slices.add(
                    s.getMetadata().getName().equals(name)
                        ? edit.apply(new EndpointSliceBuilder(s)).build()
                        : s));
    return new KubeObjects(
        objects.services(), slices, objects.pods(), objects.networkAttachments(), List.of());
  }

  private static KubeObjects editPod(
      KubeObjects objects, String name, UnaryOperator<PodBuilder> edit) {
    List<Pod> pods = new ArrayList<>();
    objects
        .pods()
        .forEach(
            p ->
                pods.add(
                    p.getMetadata().getName().equals(name)
                        ? edit.apply(new PodBuilder(p)).build()
                        : p));
    return new KubeObjects(
        objects.services(),
        objects.endpointSlices(),
        pods,
        objects.networkAttachments(),
        List.of());
  }

  private static Map<String, String> bytes(MeshTranslation translation, List<ProxyNode> nodes) {
    Map<String, String> all = new LinkedHashMap<>();
    for (ProxyNode node : nodes) {
      ProxyResources r = translation.forProxy(node);
      for (ResourceSet<? extends Message> set :
          List.of(r.listeners(), r.clusters(), r.routes(), r.endpoints())) {
        set.byName()
            .forEach(
                (n, m) ->
                    all.put(node.id() + " " + n, Protos.deterministicBytes(m).toStringUtf8()));
      }
      all.put(node.id() + " problems", r.problems().toString());
    }
    return all;
  }

  @Test
  void incrementalEqualsFreshThroughAChainOfChanges() {
    List<KubeObjects> views = new ArrayList<>();
    views.add(BASE);
    views.add(editSlice(views.get(views.size() - 1), "svc0-slice", FIRST_NOT_READY));
    views.add(
        editPod(
            views.get(views.size() - 1),
            "pod1",
            b ->
                b.editMetadata()
                    .addToAnnotations(
                        "k8s.v1.cni.cncf.io/network-status",
                        "[{\"name\":\"kindnet\",\"interface\":\"eth0\",\"ips\":[\"10.1.0.2\"],"
                            + "\"default\":true}]")
                    .endMetadata()));
    KubeObjects withService = views.get(views.size() - 1);
    List<io.fabric8.kubernetes.api.model.Service> services =
        new ArrayList<>(withService.services());
    services.add(
        new ServiceBuilder()
            .withNewMetadata()
            .withName("extra")
            .withNamespace("ns0")
            .endMetadata()
            .withNewSpec()
            .withClusterIP("10.96.9.9")
            .withSelector(Map.of("app", "svc0"))
            .addNewPort()
            .withName("diameter")
            .withPort(3868)
            .endPort()
            .endSpec()
            .build());
    views.add(
        new KubeObjects(
            services,
            withService.endpointSlices(),
            withService.pods(),
            withService.networkAttachments(),
            List.of()));
    views.add(
        editPod(
            views.get(views.size() - 1),
            "pod5",
            b ->
                b.editMetadata()
                    .addToAnnotations("sidecar.istio.io/interceptionMode", "TPROXY")
                    .endMetadata()));
    views.add(
        editPod(
            views.get(views.size() - 1),
            "pod3",
            b -> b.editMetadata().addToLabels(Locality.LABEL, "eu.eu-1a.r7").endMetadata()));
    // A Service on a secondary network over svc0's pods: its endpoints take their zones from
    // svc0's eth0 slice, so editing that slice must reach them too.
    KubeObjects withSecondary = views.get(views.size() - 1);
    List<io.fabric8.kubernetes.api.model.Service> secondary =
        new ArrayList<>(withSecondary.services());
    secondary.add(
        new ServiceBuilder()
            .withNewMetadata()
            .withName("sig")
            .withNamespace("ns0")
            .addToAnnotations("k8s.v1.cni.cncf.io/service-network", "ns0/net1")
            .endMetadata()
            .withNewSpec()
            .withClusterIP("10.96.9.10")
            .withSelector(Map.of("app", "svc0"))
            .addNewPort()
            .withName("http2-sbi")
            .withPort(8080)
            .endPort()
            .endSpec()
            .build());
    views.add(
        new KubeObjects(
            secondary,
            withSecondary.endpointSlices(),
            withSecondary.pods(),
            withSecondary.networkAttachments(),
            List.of()));
    views.add(
        editSlice(
            views.get(views.size() - 1),
            "svc0-slice",
            b -> b.editFirstEndpoint().withZone("zone-moved").endEndpoint()));
    views.add(BASE);

    MeshStateBuilder incremental = new MeshStateBuilder();
    MeshTranslation previous = null;
    for (KubeObjects view : views) {
      MeshState state = incremental.next(view);
      MeshState fresh = MeshStateBuilder.build(view);
      assertThat(state).isEqualTo(fresh);
      MeshTranslation translation =
          previous == null ? Translator.prepare(state) : Translator.prepare(state, previous);
      List<ProxyNode> nodes =
          fresh.workloads().keySet().stream().map(k -> Nodes.forWorkload(fresh, k)).toList();
      List<ProxyNode> withProxyless = new ArrayList<>(nodes);
      withProxyless.add(Nodes.grpc("client", "ns0"));
      fresh
          .workloads()
          .keySet()
          .forEach(k -> withProxyless.add(Nodes.grpc(k.name(), k.namespace())));
      assertThat(bytes(translation, withProxyless))
          .isEqualTo(bytes(Translator.prepare(fresh), withProxyless));
      translation.forgetPrevious();
      previous = translation;
    }
  }

  @Test
  void podsShareWhatDoesNotDependOnTheirAddresses() {
    MeshStateBuilder builder = new MeshStateBuilder();
    MeshState mesh = builder.next(BASE);
    MeshTranslation translation = Translator.prepare(mesh);
    List<ProxyResources> all =
        mesh.workloads().keySet().stream()
            .map(k -> translation.forProxy(Nodes.forWorkload(mesh, k)))
            .toList();
    ProxyResources first = all.get(0);
    for (ProxyResources other : all.subList(1, all.size())) {
      assertThat(other.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_OUTBOUND))
          .isSameAs(first.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_OUTBOUND));
      assertThat(other.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_INBOUND))
          .isNotSameAs(first.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_INBOUND));
    }
    // Pods with the same inbound ports share their inbound clusters, object for object.
    Map<java.util.Set<String>, ProxyResources> byPorts = new LinkedHashMap<>();
    int shared = 0;
    for (ProxyResources r : all) {
      java.util.Set<String> inbound = new java.util.TreeSet<>();
      r.clusters().byName().keySet().stream()
          .filter(n -> n.startsWith("inbound|"))
          .forEach(inbound::add);
      ProxyResources seen = byPorts.putIfAbsent(inbound, r);
      if (seen != null) {
        for (String name : inbound) {
          assertThat(r.clusters().byName().get(name)).isSameAs(seen.clusters().byName().get(name));
        }
        shared++;
      }
    }
    assertThat(shared).as("pods sharing a port set in the generated mesh").isPositive();

    // A pod whose own part is rebuilt in the next generation still gets the same shared object.
    io.telmesh.model.NamespacedName key = mesh.workloads().firstKey();
    MeshState changed =
        builder.next(
            editPod(
                BASE,
                key.name(),
                b -> b.editMetadata().addToLabels("touched", "yes").endMetadata()));
    ProxyResources rebuilt =
        Translator.prepare(changed, translation).forProxy(Nodes.forWorkload(changed, key));
    assertThat(rebuilt.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_INBOUND))
        .as("the pod's own part was built again")
        .isNotSameAs(first.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_INBOUND));
    assertThat(rebuilt.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_OUTBOUND))
        .isSameAs(first.listeners().byName().get(io.telmesh.envoy.Names.VIRTUAL_OUTBOUND));
  }

  @Test
  void anEndpointChangeReusesEveryOtherResourceObject() {
    MeshStateBuilder builder = new MeshStateBuilder();
    MeshState before = builder.next(BASE);
    MeshTranslation first = Translator.prepare(before);
    ProxyNode node = Nodes.forWorkload(before, before.workloads().firstKey());
    ProxyResources a = first.forProxy(node);

    MeshState after = builder.next(editSlice(BASE, "svc1-slice", FIRST_NOT_READY));
    MeshTranslation second = Translator.prepare(after, first);
    ProxyResources b = second.forProxy(node);

    assertThat(b.listeners().segments()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(b.listeners().segments().get(i)).isSameAs(a.listeners().segments().get(i));
      assertThat(b.clusters().segments().get(i)).isSameAs(a.clusters().segments().get(i));
    }
    assertThat(b.routes().segments().get(0)).isSameAs(a.routes().segments().get(0));
    String changed = "outbound|3868||svc1.ns1.svc.cluster.local";
    a.endpoints()
        .byName()
        .forEach(
            (name, cla) -> {
              if (name.equals(changed)) {
                assertThat(b.endpoints().get(name).orElseThrow())
                    .isNotSameAs(cla)
                    .isNotEqualTo(cla);
              } else {
                assertThat(b.endpoints().get(name).orElseThrow()).as(name).isSameAs(cla);
              }
            });
  }

  @Test
  void anEndpointChangeSaysWhichEndpointSegmentReplacesWhich() {
    MeshStateBuilder builder = new MeshStateBuilder();
    MeshState before = builder.next(BASE);
    MeshTranslation first = Translator.prepare(before);
    ProxyNode node = Nodes.forWorkload(before, before.workloads().firstKey());
    ProxyResources a = first.forProxy(node);
    assertThat(first.endpointSuccessors()).as("a first translation has no predecessor").isEmpty();

    MeshTranslation second =
        Translator.prepare(builder.next(editSlice(BASE, "svc1-slice", FIRST_NOT_READY)), first);
    ProxyResources b = second.forProxy(node);

    assertThat(second.endpointSuccessors()).isPresent();
    assertThat(second.endpointSuccessors().get().get(a.endpoints().segments().get(0)))
        .isSameAs(b.endpoints().segments().get(0))
        .isNotSameAs(a.endpoints().segments().get(0));
    second.forgetPrevious();
    assertThat(second.endpointSuccessors()).isEmpty();

    MeshTranslation third =
        Translator.prepare(
            builder.next(
                editPod(
                    BASE,
                    before.workloads().firstKey().name(),
                    p -> p.editMetadata().addToLabels("version", "v2").endMetadata())),
            second);
    assertThat(third.endpointSuccessors()).as("a pod changed: not endpoints only").isEmpty();
  }

  @Test
  void anEndpointChangeRebuildsItsServicesAssignmentsSubsetsIncludedAndKeepsEveryOther() {
    KubeObjects withRule =
        Meshes.demoObjectsWith(
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: smf, namespace: telco}
            spec:
              host: smf.telco.svc.cluster.local
              subsets:
              - name: all
                labels: {app: smf}
            """);
    MeshStateBuilder builder = new MeshStateBuilder();
    MeshTranslation first = Translator.prepare(builder.next(withRule));
    KubeObjects changed = KubeEdits.editSlice(withRule, "telco", "smf-9dl2c", FIRST_NOT_READY);
    MeshTranslation second = Translator.prepare(builder.next(changed), first);
    assertThat(second.endpointSuccessors()).as("an endpoint-only change").isPresent();

    Map<String, ClusterLoadAssignment> before = first.endpoints().byName();
    Map<String, ClusterLoadAssignment> after = second.endpoints().byName();
    assertThat(after)
        .isEqualTo(Translator.prepare(MeshStateBuilder.build(changed)).endpoints().byName())
        .containsKey("outbound|8080|all|smf.telco.svc.cluster.local");
    assertThat(after.keySet()).isEqualTo(before.keySet());
    before.forEach(
        (name, assignment) -> {
          if (name.endsWith("|smf.telco.svc.cluster.local")) {
            assertThat(after.get(name)).as(name).isNotEqualTo(assignment);
          } else {
            assertThat(after.get(name)).as(name).isSameAs(assignment);
          }
        });
  }
}
