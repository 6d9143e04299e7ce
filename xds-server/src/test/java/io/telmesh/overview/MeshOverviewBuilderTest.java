package io.telmesh.overview;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.debug.ProxySync;
import io.telmesh.debug.ProxySync.TypeSync;
import io.telmesh.kube.ManifestParser;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.overview.MeshOverview.InterfaceView;
import io.telmesh.overview.MeshOverview.NetworkView;
import io.telmesh.overview.MeshOverview.PodView;
import io.telmesh.overview.MeshOverview.PortView;
import io.telmesh.source.BundledDemo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the mesh page and {@code /api/v1/mesh} say about networks, pods, ports and proxies. */
class MeshOverviewBuilderTest {

  private static MeshOverview overview(MeshState mesh, List<ProxySync> proxies) {
    return MeshOverviewBuilder.build(Instant.EPOCH, 7, true, mesh, proxies, mesh.problems());
  }

  private static MeshState manifests(String yaml) {
    ManifestParser.Parsed parsed = new ManifestParser().parse("test.yaml", yaml);
    return MeshStateBuilder.build(
        ManifestParser.toKubeObjects(parsed.objects(), parsed.problems()));
  }

  /** A pod with eth0 and net1 on {@code telco/signaling}, ports 3868 and 9042, and annotations. */
  private static String pod(String name, Map<String, String> annotations) {
    StringBuilder extra = new StringBuilder();
    annotations.forEach(
        (k, v) -> extra.append("    ").append(k).append(": \"").append(v).append("\"\n"));
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %1$s
          namespace: telco
          creationTimestamp: "2026-11-01T10:00:00Z"
          annotations:
            k8s.v1.cni.cncf.io/networks: signaling
            k8s.v1.cni.cncf.io/network-status: |-
              [{"name":"kindnet","interface":"eth0","ips":["10.244.9.9"],"default":true},
               {"name":"telco/signaling","interface":"net1","ips":["192.168.50.99"]}]
        %2$sspec:
          containers:
          - name: app
            image: example/app:1
            ports:
            - name: tcp-diameter
              containerPort: 3868
            - name: tcp-cql
              containerPort: 9042
            - name: udp-gtpu
              containerPort: 2152
              protocol: UDP
        status:
          phase: Running
          podIP: 10.244.9.9
          podIPs:
          - ip: 10.244.9.9
        """
        .formatted(name, extra.toString().replaceAll("(?m)^    ", "    "));
  }

  private static PodView only(MeshOverview overview) {
    assertThat(overview.pods()).hasSize(1);
    return overview.pods().get(0);
  }

  private static PortView port(PodView pod, int number, String transport) {
    return pod.ports().stream()
        .filter(p -> p.port() == number && p.transport().equals(transport))
        .findFirst()
        .orElseThrow(() -> new AssertionError(number + "/" + transport + " not in " + pod.ports()));
  }

  @Test
  void everyInterfaceOfTheDemoIsOnItsNetworkAndServicesOnTheirs() {
    MeshState mesh = MeshStateBuilder.build(BundledDemo.read());
    MeshOverview overview = overview(mesh, List.of());

    assertThat(overview.networks())
        .extracting(NetworkView::name)
        .containsExactly(
            "default", "telco/ran", "telco/signaling", "telco/sriov-n3", "telco/user-plane");
    Map<String, NetworkView> byName = new TreeMap<>();
    overview.networks().forEach(n -> byName.put(n.name(), n));
    int interfaces = 0;
    for (PodView pod : overview.pods()) {
      for (InterfaceView iface : pod.interfaces()) {
        interfaces++;
        assertThat(byName.get(iface.network()).attachments())
            .anySatisfy(
                a -> {
                  assertThat(a.pod()).isEqualTo(pod.pod());
                  assertThat(a.interfaceName()).isEqualTo(iface.name());
                  assertThat(a.addresses()).isEqualTo(iface.addresses());
                });
      }
    }
    assertThat(interfaces).isEqualTo(15);
    assertThat(byName.values().stream().mapToInt(n -> n.attachments().size()).sum())
        .isEqualTo(interfaces);
    assertThat(byName.get("telco/signaling").services())
        .extracting(MeshOverview.ServiceView::service)
        .containsExactly("telco/hss", "telco/ocs", "telco/smf-signaling");
    assertThat(byName.get("telco/signaling").cniType()).isEqualTo("macvlan");
    assertThat(byName.get("telco/signaling").range()).isEqualTo("192.168.50.0/24");
    assertThat(byName.get("default").services())
        .extracting(MeshOverview.ServiceView::service)
        .contains("telco/amf", "telco/db")
        .doesNotContain("telco/hss");

    PodView upf =
        overview.pods().stream()
            .filter(p -> p.pod().equals("telco/upf-0"))
            .findFirst()
            .orElseThrow();
    assertThat(upf.interfaces())
        .filteredOn(i -> i.name().equals("net1"))
        .singleElement()
        .satisfies(
            i -> {
              assertThat(i.inboundCaught()).isFalse();
              assertThat(i.reason()).contains("traffic.sidecar.istio.io/excludeInterfaces");
            });
    assertThat(port(upf, 9100, "TCP").caughtOn()).containsExactly("eth0");
    assertThat(port(upf, 2152, "UDP").reason()).startsWith("UDP is never proxied");
    PodView hss =
        overview.pods().stream()
            .filter(p -> p.pod().equals("telco/hss-0"))
            .findFirst()
            .orElseThrow();
    assertThat(port(hss, 3868, "TCP").profile()).isEqualTo("diameter");
    assertThat(port(hss, 3868, "TCP").service()).isEqualTo("telco/hss:3868");
    assertThat(port(hss, 3868, "SCTP").caught()).isFalse();
  }

  @Test
  void portsAndInterfacesSayWhichAnnotationMadeThemBypass() {
    PodView pod =
        only(
            overview(
                manifests(
                    pod(
                        "p",
                        Map.of(
                            "traffic.sidecar.istio.io/excludeInboundPorts", "9042",
                            "telmesh.io/excludeInboundInterfaces", "net1"))),
                List.of()));
    assertThat(pod.capture()).isEqualTo("REDIRECT");
    assertThat(port(pod, 3868, "TCP").caught()).isTrue();
    assertThat(port(pod, 3868, "TCP").caughtOn()).containsExactly("eth0");
    assertThat(port(pod, 9042, "TCP").caught()).isFalse();
    assertThat(port(pod, 9042, "TCP").reason())
        .isEqualTo("listed in traffic.sidecar.istio.io/excludeInboundPorts");
    assertThat(port(pod, 2152, "UDP").caught()).isFalse();
    assertThat(pod.interfaces().get(1).reason())
        .isEqualTo("listed in telmesh.io/excludeInboundInterfaces (outbound is still caught)");

    PodView included =
        only(
            overview(
                manifests(pod("q", Map.of("traffic.sidecar.istio.io/includeInboundPorts", "3868"))),
                List.of()));
    assertThat(port(included, 9042, "TCP").reason())
        .isEqualTo("not listed in traffic.sidecar.istio.io/includeInboundPorts");
    assertThat(port(included, 3868, "TCP").caughtOn()).containsExactly("eth0", "net1");
  }

  @Test
  void interceptionModeNoneAndInvalidAnnotationsBypassEverything() {
    PodView none =
        only(
            overview(
                manifests(pod("n", Map.of("sidecar.istio.io/interceptionMode", "NONE"))),
                List.of()));
    assertThat(none.capture()).isEqualTo("NONE");
    assertThat(none.ports()).noneMatch(PortView::caught);
    assertThat(none.interfaces()).noneMatch(InterfaceView::inboundCaught);
    assertThat(port(none, 3868, "TCP").reason()).contains("interception mode NONE");

    PodView refused =
        only(
            overview(
                manifests(
                    pod("r", Map.of("traffic.sidecar.istio.io/excludeInboundPorts", "99999"))),
                List.of()));
    assertThat(refused.capture()).isEqualTo("REFUSED");
    assertThat(refused.ports()).noneMatch(PortView::caught);
    assertThat(port(refused, 3868, "TCP").reason())
        .startsWith("no capture rules: ")
        .contains("traffic.sidecar.istio.io/excludeInboundPorts");
  }

  @Test
  void proxiesGoToTheirPodAndUnknownOnesAreListedApart() {
    MeshState mesh = manifests(pod("p", Map.of()));
    ProxySync known =
        new ProxySync(
            "sidecar~10.244.9.9~p.telco~telco.svc.cluster.local",
            "p.telco",
            "sidecar",
            new NamespacedName("telco", "p"),
            Map.of("LDS", new TypeSync("NACKED", "v1", "bad listener")));
    ProxySync stranger =
        new ProxySync(
            "sidecar~10.0.0.1~ghost.telco~telco.svc.cluster.local",
            "ghost.telco",
            "sidecar",
            new NamespacedName("telco", "ghost"),
            new TreeMap<>());
    MeshOverview overview = overview(mesh, List.of(known, stranger));
    assertThat(only(overview).proxies()).containsExactly(known);
    assertThat(known.nacked()).isTrue();
    assertThat(overview.unmatchedProxies()).containsExactly(stranger);
  }

  @Test
  void aNetworkNamedByAPodWithoutItsNadIsShownUndefined() {
    MeshOverview overview = overview(manifests(pod("p", Map.of())), List.of());
    assertThat(overview.networks())
        .filteredOn(n -> n.name().equals("telco/signaling"))
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.defined()).isFalse();
              assertThat(n.attachments()).hasSize(1);
            });
  }

  @Test
  void theJsonHasTheDocumentedFieldNames() {
    String json = new OverviewJson().write(overview(manifests(pod("p", Map.of())), List.of()));
    assertThat(json)
        .contains(
            "\"generation\" : 7",
            "\"networks\"",
            "\"attachments\"",
            "\"interfaceName\" : \"net1\"",
            "\"inboundCaught\" : true",
            "\"caughtOn\"",
            "\"unmatchedProxies\"",
            "\"problems\"");
  }
}
