package io.telmesh.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.telmesh.kube.EndpointSliceReader;
import io.telmesh.kube.EndpointSliceReader.Slice;
import io.telmesh.kube.ProblemSink;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.CaptureSettings;
import io.telmesh.model.ContainerPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.Locality;
import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TargetPort;
import io.telmesh.model.Workload;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link EndpointResolver} on one Service, its EndpointSlices (fabric8 objects, read as the builder
 * reads them) and the pods it selects. An endpoint reads {@code <service port> -> <address>:<port>
 * [not-ready] [zone=..] [pod=ns/name]}.
 */
class EndpointResolverTest {

  private static final String SIGNALING = "core/signaling";

  record Row(
      String name,
      MeshService service,
      List<EndpointSlice> slices,
      List<Workload> selected,
      List<String> expectedEndpoints,
      List<String> expectedProblems) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row(
            "own EndpointSlices: address, target port, zone and pod from the slice",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-abc",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "zone-a", "amf-0"),
                    endpoint("10.244.2.7", true, "zone-b", "amf-1"))),
            // The slices win: a selected pod's own address is not added beside them.
            List.of(pod("amf-9", true, eth0("10.244.9.9"))),
            List.of(
                "80 -> 10.244.1.7:8080 zone=zone-a pod=core/amf-0",
                "80 -> 10.244.2.7:8080 zone=zone-b pod=core/amf-1"),
            List.of()),
        new Row(
            "no slices but a selector: the pods' eth0 addresses, readiness from the pod",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(),
            List.of(
                pod("amf-0", true, eth0("10.244.1.7"), net1("192.168.50.7")),
                pod("amf-1", false, eth0("10.244.1.8"))),
            List.of(
                "80 -> 10.244.1.7:8080 pod=core/amf-0",
                "80 -> 10.244.1.8:8080 not-ready pod=core/amf-1"),
            List.of()),
        new Row(
            "no slices and no selector: no endpoints at all",
            new MeshService(
                new NamespacedName("core", "amf"),
                Optional.empty(),
                List.of(ip("10.96.0.10")),
                false,
                List.of(sbi(new TargetPort.Numeric(8080))),
                List.of(),
                Optional.empty(),
                Instant.EPOCH),
            List.of(),
            List.of(),
            List.of(),
            List.of()),
        new Row(
            "secondary network with multus slices: only those, never merged with eth0 slices",
            service(Optional.of(SIGNALING), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-eth0",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "", "amf-0")),
                slice(
                    "amf-multus",
                    true,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("192.168.50.7", true, "", "amf-0"))),
            List.of(pod("amf-0", true, eth0("10.244.1.7"), net1("192.168.50.7"))),
            List.of("80 -> 192.168.50.7:8080 pod=core/amf-0"),
            List.of()),
        new Row(
            // The pod's own Ready says true; the eth0 slice, which kubelet probes feed, says not.
            "secondary network without multus slices: pods' net1 addresses, eth0 slice readiness",
            service(Optional.of(SIGNALING), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-eth0",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", false, "", "amf-0"))),
            List.of(
                pod("amf-0", true, eth0("10.244.1.7"), net1("192.168.50.7")),
                pod("amf-1", true, eth0("10.244.1.8"), net1("192.168.50.8"))),
            List.of(
                "80 -> 192.168.50.7:8080 not-ready pod=core/amf-0",
                "80 -> 192.168.50.8:8080 pod=core/amf-1"),
            List.of()),
        new Row(
            "secondary network: a selected pod without an interface on it is named in a problem",
            service(Optional.of(SIGNALING), sbi(new TargetPort.Numeric(8080))),
            List.of(),
            List.of(
                pod("amf-0", true, eth0("10.244.1.7"), net1("192.168.50.7")),
                pod("amf-2", true, eth0("10.244.1.9"))),
            List.of("80 -> 192.168.50.7:8080 pod=core/amf-0"),
            List.of(
                "Service core/amf metadata.annotations[k8s.v1.cni.cncf.io/service-network]:"
                    + " selected pod core/amf-2 has no interface on core/signaling;"
                    + " it is not an endpoint")),
        new Row(
            // Kubernetes resolves a named targetPort per pod, by name and protocol.
            "named target port: each pod's own container port; pods without it are skipped",
            service(Optional.empty(), sbi(new TargetPort.Named("sbi"))),
            List.of(),
            List.of(
                pod(
                    "amf-0",
                    true,
                    List.of(new ContainerPort("sbi", 8080, L4Protocol.TCP)),
                    eth0("10.244.1.7")),
                pod(
                    "amf-1",
                    true,
                    List.of(new ContainerPort("sbi", 9090, L4Protocol.TCP)),
                    eth0("10.244.1.8")),
                pod(
                    "amf-2",
                    true,
                    List.of(new ContainerPort("sbi", 8080, L4Protocol.SCTP)),
                    eth0("10.244.1.9")),
                pod("amf-3", true, List.of(), eth0("10.244.1.10"))),
            List.of("80 -> 10.244.1.7:8080 pod=core/amf-0", "80 -> 10.244.1.8:9090 pod=core/amf-1"),
            List.of()),
        new Row(
            // discovery/v1: an unset ready condition means ready.
            "slice readiness: false is not ready, unset is ready",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-abc",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "", "amf-0"),
                    endpoint("10.244.1.8", false, "", "amf-1"),
                    endpoint("10.244.1.9", null, "", "amf-2"))),
            List.of(),
            List.of(
                "80 -> 10.244.1.7:8080 pod=core/amf-0",
                "80 -> 10.244.1.8:8080 not-ready pod=core/amf-1",
                "80 -> 10.244.1.9:8080 pod=core/amf-2"),
            List.of()),
        new Row(
            // During a slice split an address can briefly appear in two slices.
            "an address in two slices: one endpoint, the ready one wins whatever the order",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-old",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", false, "zone-old", "amf-0"),
                    endpoint("10.244.1.8", true, "zone-a", "amf-1")),
                slice(
                    "amf-new",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "zone-new", "amf-0"),
                    endpoint("10.244.1.8", false, "zone-b", "amf-1"))),
            List.of(),
            List.of(
                "80 -> 10.244.1.7:8080 zone=zone-new pod=core/amf-0",
                "80 -> 10.244.1.8:8080 zone=zone-a pod=core/amf-1"),
            List.of()),
        new Row(
            "two Service ports: each takes the slice port of its name",
            service(
                Optional.empty(),
                sbi(new TargetPort.Numeric(8080)),
                new ServicePort(
                    "diameter",
                    3868,
                    new TargetPort.Numeric(3868),
                    L4Protocol.TCP,
                    Optional.empty(),
                    AppProtocol.DIAMETER,
                    1)),
            List.of(
                slice(
                    "amf-abc",
                    false,
                    List.of(slicePort("diameter", 3868), slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "", "amf-0"))),
            List.of(),
            List.of(
                "80 -> 10.244.1.7:8080 pod=core/amf-0", "3868 -> 10.244.1.7:3868 pod=core/amf-0"),
            List.of()),
        new Row(
            // The only way to tell an unnamed slice port apart is that there is only one.
            "an unnamed slice port serves a single-port Service",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-abc",
                    false,
                    List.of(slicePort("", 8080)),
                    endpoint("10.244.1.7", true, "", "amf-0"))),
            List.of(),
            List.of("80 -> 10.244.1.7:8080 pod=core/amf-0"),
            List.of()),
        new Row(
            "an ordinary Service ignores multus slices that name it",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-eth0",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "", "amf-0")),
                slice(
                    "amf-multus",
                    true,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("192.168.50.7", true, "", "amf-0"))),
            List.of(),
            List.of("80 -> 10.244.1.7:8080 pod=core/amf-0"),
            List.of()),
        new Row(
            // Multus writes no zone; the pod's eth0 endpoint in the ordinary slice has one.
            "secondary network with multus slices: each endpoint takes its pod's eth0 zone",
            service(Optional.of(SIGNALING), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-eth0",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "zone-a", "amf-0"),
                    endpoint("10.244.2.7", true, "zone-b", "amf-1")),
                slice(
                    "amf-multus",
                    true,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("192.168.50.7", true, "", "amf-0"),
                    endpoint("192.168.50.8", true, "", "amf-1"),
                    endpoint("192.168.50.9", true, "", "amf-9"))),
            List.of(),
            List.of(
                "80 -> 192.168.50.7:8080 zone=zone-a pod=core/amf-0",
                "80 -> 192.168.50.8:8080 zone=zone-b pod=core/amf-1",
                "80 -> 192.168.50.9:8080 pod=core/amf-9"),
            List.of()),
        new Row(
            "secondary network without multus slices: the pods' net1 addresses take their eth0 zone",
            service(Optional.of(SIGNALING), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-eth0",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "zone-a", "amf-0"))),
            List.of(
                pod(
                    "amf-0",
                    true,
                    eth0("10.244.1.7"),
                    new PodInterface(
                        "net1", SIGNALING, List.of(ip("192.168.50.7"), ip("fd00:50::7")), false)),
                pod("amf-1", true, eth0("10.244.1.8"), net1("192.168.50.8"))),
            List.of(
                "80 -> 192.168.50.7:8080 zone=zone-a pod=core/amf-0",
                "80 -> 192.168.50.8:8080 pod=core/amf-1",
                "80 -> fd00:50::7:8080 zone=zone-a pod=core/amf-0"),
            List.of()),
        new Row(
            "the pod's locality labels win over the slice zone, as in Istio",
            service(Optional.empty(), sbi(new TargetPort.Numeric(8080))),
            List.of(
                slice(
                    "amf-abc",
                    false,
                    List.of(slicePort("http-sbi", 8080)),
                    endpoint("10.244.1.7", true, "zone-a", "amf-0"),
                    endpoint("10.244.1.8", true, "zone-a", "amf-1"),
                    endpoint("10.244.1.9", true, "zone-a", "amf-2"),
                    endpoint("10.244.1.10", true, "zone-a", "amf-3"),
                    endpoint("10.244.1.11", true, "zone-a", "amf-4"))),
            List.of(
                pod(
                    "amf-0",
                    true,
                    Map.of(Locality.LABEL, "eu-west.eu-west-1b.rack7"),
                    List.of(),
                    eth0("10.244.1.7")),
                pod(
                    "amf-1",
                    true,
                    Map.of(Locality.LABEL, "eu-west//rack7"),
                    List.of(),
                    eth0("10.244.1.8")),
                pod(
                    "amf-2",
                    true,
                    Map.of(Locality.LEGACY_LABEL, "eu-west.eu-west-1c"),
                    List.of(),
                    eth0("10.244.1.9")),
                // The new label wins over the legacy one.
                pod(
                    "amf-3",
                    true,
                    Map.of(Locality.LABEL, "us-east", Locality.LEGACY_LABEL, "eu-west.x"),
                    List.of(),
                    eth0("10.244.1.10")),
                // An empty label sets nothing: the slice's zone stays.
                pod("amf-4", true, Map.of(Locality.LABEL, ""), List.of(), eth0("10.244.1.11"))),
            List.of(
                "80 -> 10.244.1.10:8080 locality=us-east// pod=core/amf-3",
                "80 -> 10.244.1.11:8080 zone=zone-a pod=core/amf-4",
                "80 -> 10.244.1.7:8080 locality=eu-west/eu-west-1b/rack7 pod=core/amf-0",
                "80 -> 10.244.1.8:8080 locality=eu-west//rack7 pod=core/amf-1",
                "80 -> 10.244.1.9:8080 locality=eu-west/eu-west-1c/ pod=core/amf-2"),
            List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void resolve(Row row) {
    List<Slice> own = new ArrayList<>();
    List<Slice> multus = new ArrayList<>();
    ProblemSink readProblems = new ProblemSink();
    for (EndpointSlice slice : row.slices()) {
      Slice read = EndpointSliceReader.read(slice, readProblems).orElseThrow();
      // Split by the label as it is written, so a mislabelled slice cannot slip through.
      boolean multusLabel =
          "multus-endpointslice-controller.npwg.k8s.io"
              .equals(
                  slice.getMetadata().getLabels().get("endpointslice.kubernetes.io/managed-by"));
      assertThat(read.multusManaged()).isEqualTo(multusLabel);
      (multusLabel ? multus : own).add(read);
    }
    assertThat(readProblems.problems()).isEmpty();

    Map<NamespacedName, Workload> pods = new TreeMap<>();
    row.selected().forEach(w -> pods.put(w.key(), w));
    Memo.Result<Map<Integer, List<ServiceEndpoint>>> result =
        EndpointResolver.resolve(
            row.service(), own, multus, row.selected(), new PodLocalities(pods, own));

    List<String> endpoints = new ArrayList<>();
    new TreeMap<>(result.value())
        .forEach((port, list) -> list.forEach(e -> endpoints.add(port + " -> " + describe(e))));
    assertThat(endpoints).containsExactlyElementsOf(row.expectedEndpoints());
    assertThat(result.problems())
        .extracting(Problem::describe)
        .containsExactlyElementsOf(row.expectedProblems());
  }

  private static String describe(ServiceEndpoint endpoint) {
    return endpoint.address()
        + ":"
        + endpoint.port()
        + (endpoint.ready() ? "" : " not-ready")
        + locality(endpoint.locality())
        + endpoint.pod().map(p -> " pod=" + p).orElse("");
  }

  /** {@code zone=z} for a zone-only locality, {@code locality=r/z/s} otherwise. */
  private static String locality(Locality locality) {
    if (locality.isUnknown()) {
      return "";
    }
    return locality.region().isEmpty() && locality.subZone().isEmpty()
        ? " zone=" + locality.zone()
        : " locality=" + locality;
  }

  private static ServicePort sbi(TargetPort target) {
    return new ServicePort(
        "http-sbi", 80, target, L4Protocol.TCP, Optional.empty(), AppProtocol.HTTP, 0);
  }

  /** Service {@code core/amf} selecting {@code app: amf}, optionally on a secondary network. */
  private static MeshService service(Optional<String> network, ServicePort... ports) {
    return new MeshService(
        new NamespacedName("core", "amf"),
        Optional.of(new TreeMap<>(Map.of("app", "amf"))),
        List.of(ip("10.96.0.10")),
        false,
        List.of(ports),
        List.of(),
        network.map(n -> NamespacedName.parse(n).orElseThrow()),
        Instant.EPOCH);
  }

  private static Workload pod(String name, boolean ready, PodInterface... interfaces) {
    return pod(name, ready, List.of(), interfaces);
  }

  private static Workload pod(
      String name, boolean ready, List<ContainerPort> ports, PodInterface... interfaces) {
    return pod(name, ready, Map.of(), ports, interfaces);
  }

  /** A pod labelled {@code app: amf} plus {@code labels}. */
  private static Workload pod(
      String name,
      boolean ready,
      Map<String, String> labels,
      List<ContainerPort> ports,
      PodInterface... interfaces) {
    TreeMap<String, String> all = new TreeMap<>(labels);
    all.put("app", "amf");
    return new Workload(
        new NamespacedName("core", name),
        all,
        List.of(interfaces),
        List.of(),
        ports,
        Optional.of(ready),
        true,
        Instant.EPOCH,
        CaptureSettings.DEFAULTS,
        Optional.empty(),
        "default");
  }

  private static PodInterface eth0(String address) {
    return new PodInterface("eth0", "default", List.of(ip(address)), true);
  }

  private static PodInterface net1(String address) {
    return new PodInterface("net1", SIGNALING, List.of(ip(address)), false);
  }

  private static IpAddress ip(String text) {
    return IpAddress.parse(text).orElseThrow();
  }

  private static EndpointSlice slice(
      String name, boolean multus, List<EndpointPort> ports, Endpoint... endpoints) {
    EndpointSliceBuilder slice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("core")
            .addToLabels("kubernetes.io/service-name", "amf")
            .endMetadata()
            .withAddressType("IPv4")
            .withPorts(ports)
            .withEndpoints(Arrays.asList(endpoints));
    if (multus) {
      slice
          .editMetadata()
          .addToLabels(
              "endpointslice.kubernetes.io/managed-by",
              "multus-endpointslice-controller.npwg.k8s.io")
          .endMetadata();
    } else {
      slice
          .editMetadata()
          .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
          .endMetadata();
    }
    return slice.build();
  }

  private static EndpointPort slicePort(String name, int port) {
    EndpointPortBuilder builder = new EndpointPortBuilder().withPort(port).withProtocol("TCP");
    return (name.isEmpty() ? builder : builder.withName(name)).build();
  }

  /**
   * @param ready null leaves the condition unset
   */
  private static Endpoint endpoint(String address, Boolean ready, String zone, String pod) {
    EndpointBuilder endpoint =
        new EndpointBuilder()
            .withAddresses(address)
            .withNewConditions()
            .withReady(ready)
            .endConditions()
            .withNewTargetRef()
            .withKind("Pod")
            .withName(pod)
            .withNamespace("core")
            .endTargetRef();
    return (zone.isEmpty() ? endpoint : endpoint.withZone(zone)).build();
  }
}
