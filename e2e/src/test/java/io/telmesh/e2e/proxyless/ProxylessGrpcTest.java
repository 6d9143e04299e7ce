package io.telmesh.e2e.proxyless;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.bootstrap.GrpcBootstrap;
import io.telmesh.bootstrap.XdsAddress;
import io.telmesh.e2e.istioctl.Istioctl;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.ContainerPort;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Workload;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.snapshot.PreparedResource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * grpc-go (v1.85, {@code e2e/peers/grpcpeer}: a client nobody here wrote) as proxyless Istio
 * workloads against an in-process telmesh serving the demo mesh (plus a second amf replica). The
 * pods' addresses, eth0 and secondary networks, live in one network namespace ({@link
 * MeshNamespace}) where plain gRPC backends listen on every pod's TCP ports, smf-0 runs grpc-go's
 * xDS server on its eth0 and signaling addresses, and grpc-go clients call {@code xds:///} targets.
 * {@link AdsTap} records each ADS stream and, for the node {@code nacker-0}, breaks oam's endpoints
 * so that grpc-go NACKs them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxylessGrpcTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String EDS =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final String AMF = "outbound|8080||amf.telco.svc.cluster.local";
  private static final String OAM = "outbound|9000||oam.telco.svc.cluster.local";
  private static final String SMF_ETH0 = "10.244.1.11:8080";
  private static final String SMF_SIGNALING = "192.168.50.11:8080";
  private static final String AMF_1 = "amf-1@10.244.1.12:8080";

  /**
   * What a proxyless client of the demo can reach, and who answers: the HTTP-family and sniffed
   * ports of its Services (HTTPS, Diameter, CQL, SCTP and UDP ports are not offered), over eth0
   * except smf-signaling, which is served on the signaling network.
   */
  private static final Map<String, Set<String>> REACHABLE =
      Map.of(
          "amf.telco.svc.cluster.local:8080",
              Set.of("amf-0@10.244.1.10:8080", "amf-1@10.244.1.12:8080"),
          "oam.telco.svc.cluster.local:9000", Set.of("amf-0@10.244.1.10:9000"),
          "smf.telco.svc.cluster.local:8080", Set.of("xds:" + SMF_ETH0),
          "smf-signaling.telco.svc.cluster.local:8080", Set.of("xds:" + SMF_SIGNALING),
          "upf.telco.svc.cluster.local:9100", Set.of("upf-0@10.244.3.40:9100"));

  @TempDir static Path dir;
  private static MutableSource source;
  private static AdsTap tap;
  private static TelmeshServer server;
  private static MeshNamespace mesh;
  private static MeshState state;
  private static PeerProcess backends;
  private static PeerProcess smf;
  private static PeerProcess client;
  private static String clientNode;
  private static final List<String> servingModes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    state = MeshStateBuilder.build(TwoAmfDemo.objects(true));
    mesh = MeshNamespace.create(addresses(state));
    source = new MutableSource(TwoAmfDemo.objects(true));
    tap = new AdsTap("~nacker-0.", OAM);
    server =
        new TelmeshServer(
                new ServerOptions(
                    mesh.hostAddress, 0, 0, Duration.ofMillis(20), Duration.ofMillis(200), 2),
                source,
                List.of(tap))
            .start();
    if (!server.pipeline().awaitReady(WAIT)) {
      throw new IllegalStateException("telmesh not ready");
    }
    backends =
        PeerProcess.grpcGo(
            mesh, "backends", Map.of(), dir.resolve("backends.log"), backendArguments(state));
    assertThat(backends.next(WAIT)).isEqualTo("READY");

    smf =
        PeerProcess.grpcGo(
            mesh,
            "smf-0",
            Map.of("GRPC_XDS_BOOTSTRAP", bootstrap("smf-0", "10.244.1.11").toString()),
            dir.resolve("smf-0.log"),
            List.of("xds-server", SMF_ETH0, SMF_SIGNALING));
    for (int i = 0; i < 2; i++) {
      servingModes.add(smf.await(l -> l.startsWith("MODE "), WAIT));
    }

    clientNode = nodeId("client-0", mesh.namespaceAddress);
    client =
        PeerProcess.grpcGo(
            mesh,
            "client-0",
            Map.of("GRPC_XDS_BOOTSTRAP", bootstrap("client-0", mesh.namespaceAddress).toString()),
            dir.resolve("client-0.log"),
            List.of("client"));
  }

  @AfterAll
  static void stop() throws Exception {
    for (PeerProcess peer : new PeerProcess[] {client, smf, backends}) {
      if (peer != null) {
        peer.close();
      }
    }
    if (server != null) {
      server.close();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  @Order(1)
  void everyServiceAProxylessClientCanReachAnswersOverItsNetworkWithoutANack() throws Exception {
    Map<String, Set<String>> answered = new LinkedHashMap<>();
    for (String target : new TreeSet<>(REACHABLE.keySet())) {
      // A channel's picker holds only READY subchannels: the first calls may all go to the first
      // backend that connected, so batches continue (a few at most) until the others answer too.
      Set<String> servers = new TreeSet<>();
      for (int batch = 0; batch < 5 && !servers.containsAll(REACHABLE.get(target)); batch++) {
        JsonNode result = call(client, "xds:///" + target, 20);
        assertThat(errors(result)).as(target).isEmpty();
        servers.addAll(servers(result));
      }
      answered.put(target, servers);
    }
    assertThat(answered).isEqualTo(REACHABLE);
    System.out.printf(
        "FIGURE grpc-go time to first RPC (process start to first answer, xDS included): %d ms%n",
        call(client, "xds:///amf.telco.svc.cluster.local:8080", 1).path("first_ok_ms").asLong());

    // Every spelling of a name a channel target may use, the namespace's own short one included.
    for (String target :
        List.of("amf.telco:8080", "amf.telco.svc:8080", "amf:8080", "smf-signaling:8080")) {
      JsonNode result = call(client, "xds:///" + target, 10);
      assertThat(errors(result)).as(target).isEmpty();
      assertThat(servers(result))
          .as(target)
          .isSubsetOf(
              target.startsWith("amf")
                  ? REACHABLE.get("amf.telco.svc.cluster.local:8080")
                  : Set.of("xds:" + SMF_SIGNALING));
    }

    // The client was offered exactly those Services: none missing, nothing it cannot use.
    Set<String> offered = new TreeSet<>();
    for (PreparedResource listener :
        server.cache().snapshot(clientNode).orElseThrow().type(LDS).all()) {
      if (listener.name().matches("[a-z0-9-]+\\.telco\\.svc\\.cluster\\.local:\\d+")) {
        offered.add(listener.name());
      }
    }
    assertThat(offered).isEqualTo(REACHABLE.keySet());

    assertThat(client.nacks()).as("grpc-go's own log").isEmpty();
    assertThat(tap.events())
        .as("no NACK from the client reached telmesh")
        .noneMatch(e -> e.node().equals(clientNode) && e.nack());
  }

  @Test
  @Order(2)
  void grpcJavaAgreesWithGrpcGoOnWhoAnswersEveryTarget() throws Exception {
    String javaNode = nodeId("java-client-0", mesh.namespaceAddress);
    try (PeerProcess java =
        PeerProcess.grpcJava(
            mesh,
            "java-client-0",
            Map.of(
                "GRPC_XDS_BOOTSTRAP", bootstrap("java-client-0", mesh.namespaceAddress).toString()),
            dir.resolve("java-client-0.log"))) {
      for (String target : new TreeSet<>(REACHABLE.keySet())) {
        JsonNode byJava = call(java, "xds:///" + target, 20);
        assertThat(errors(byJava)).as(target).isEmpty();
        assertThat(servers(byJava))
            .as(target)
            .isEqualTo(servers(call(client, "xds:///" + target, 20)))
            .isEqualTo(REACHABLE.get(target));
      }
      System.out.printf(
          "FIGURE grpc-java time to first RPC (JVM start to first answer, xDS included): %d ms%n",
          call(java, "xds:///amf.telco.svc.cluster.local:8080", 1).path("first_ok_ms").asLong());
    }
    assertThat(tap.events())
        .as("grpc-java NACKed nothing")
        .noneMatch(e -> e.node().equals(javaNode) && e.nack())
        .anyMatch(e -> e.node().equals(javaNode) && e.fromClient() && e.typeUrl().equals(EDS));
  }

  @Test
  @Order(3)
  void grpcGosXdsServerServesOnEth0AndOnTheSignalingNetwork() {
    assertThat(servingModes)
        .containsExactlyInAnyOrder(
            "MODE " + SMF_ETH0 + " SERVING", "MODE " + SMF_SIGNALING + " SERVING");
    assertThat(smf.nacks()).as("grpc-go's own log").isEmpty();
    assertThat(tap.events())
        .as("the server asked for its listeners under Istio's template")
        .anySatisfy(
            e -> assertThat(e.names()).contains("xds.istio.io/grpc/lds/inbound/" + SMF_SIGNALING));
  }

  @Test
  @Order(4)
  void anEndpointMadeNotReadyStopsReceivingRpcsAndGetsThemBackWhenReady() throws Exception {
    String amf = "xds:///amf.telco.svc.cluster.local:8080";
    assertThat(servers(call(client, amf, 10))).contains(AMF_1);
    try {
      Instant changed = Instant.now();
      source.set(TwoAmfDemo.objects(false));
      // The ACK first: a batch can miss amf-1 before the change too, while its subchannel is not
      // READY, and must not end the wait for the change.
      Duration toAck = ackDelay(clientNode, AMF, changed);
      awaitServers(client, amf, servers -> !servers.contains(AMF_1));
      Duration toRpcs = Duration.between(changed, Instant.now());
      JsonNode after = call(client, amf, 20);
      assertThat(errors(after)).isEmpty();
      assertThat(servers(after)).containsExactly("amf-0@10.244.1.10:8080");
      System.out.printf(
          "FIGURE endpoint change to grpc-go: source change to grpc-go's ACK of the new EDS %d ms,"
              + " to RPCs no longer reaching it %d ms%n",
          toAck.toMillis(), toRpcs.toMillis());
    } finally {
      source.set(TwoAmfDemo.objects(true));
    }
    awaitServers(client, amf, servers -> servers.contains(AMF_1));
    assertThat(client.nacks()).isEmpty();
  }

  @Test
  @Order(5)
  void aNackOnOneTargetsStreamLeavesTheOtherTargetsStreamAloneAndIsShownAndCounted()
      throws Exception {
    String nackerNode = nodeId("nacker-0", mesh.namespaceAddress);
    double nacksBefore = nacksCounted();
    try (PeerProcess nacker =
        PeerProcess.grpcGo(
            mesh,
            "nacker-0",
            Map.of("GRPC_XDS_BOOTSTRAP", bootstrap("nacker-0", mesh.namespaceAddress).toString()),
            dir.resolve("nacker-0.log"),
            List.of("client"))) {
      String amf = "xds:///amf.telco.svc.cluster.local:8080";
      assertThat(errors(call(nacker, amf, 4))).isEmpty();
      JsonNode oam = call(nacker, "xds:///oam.telco.svc.cluster.local:9000", 1, 2000);
      assertThat(servers(oam)).as("oam's endpoints were NACKed: nothing to call").isEmpty();
      List<String> nacks = nacker.nacks();
      assertThat(nacks).isNotEmpty().allMatch(l -> l.contains("locality without ID"));

      // grpc-go's per-target streams, one node id
      long amfStream = streamOf(nackerNode, AMF);
      long oamStream = streamOf(nackerNode, OAM);
      assertThat(amfStream).isNotEqualTo(oamStream);
      Instant nacked = lastEvent(oamStream, true).at();

      Instant changed = Instant.now();
      source.set(TwoAmfDemo.objects(false));
      try {
        ackDelay(nackerNode, AMF, changed);
        // A re-send would go out in the same push as the amf stream's response: give it a second.
        Thread.sleep(1000);
        assertThat(
                tap.events().stream()
                    .filter(e -> e.stream() == oamStream && !e.fromClient())
                    .filter(e -> e.at().isAfter(nacked)))
            .as("responses on the NACKing stream after its NACK")
            .isEmpty();
        assertThat(nacker.nacks()).as("no NACK beyond the first").hasSize(nacks.size());
        assertThat(servers(call(nacker, amf, 10))).containsExactly("amf-0@10.244.1.10:8080");
      } finally {
        source.set(TwoAmfDemo.objects(true));
      }

      assertThat(server.tracker().streams(nackerNode)).isEqualTo(2);
      assertThat(server.tracker().status(nackerNode).get(EDS).nacked())
          .as("merged over the node's streams, the NACK is not hidden by the other's ACK")
          .isTrue();
      assertThat(nacksCounted() - nacksBefore).isEqualTo(nacks.size());
      String table =
          new Istioctl(dir, mesh.hostAddress, server.xdsPort())
              .run("proxy-status", "-r", "default", "-v", "1");
      System.out.println(table);
      assertThat(Istioctl.row(table, "nacker-0.telco")).contains("ERROR");
      assertThat(Istioctl.row(table, "client-0.telco")).doesNotContain("ERROR");
    }
  }

  @Test
  @Order(6)
  void grpcGoAndGrpcJavaFollowAVirtualServiceToASubsetAndItsWeights() throws Exception {
    String amf = "xds:///amf.telco.svc.cluster.local:8080";
    String amf0 = "amf-0@10.244.1.10:8080";
    String rule =
        """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: amf, namespace: telco}
        spec:
          host: amf
          subsets: [{name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: amf, namespace: telco}
        spec:
          hosts: [amf]
          http:
          - route: %s
        """;
    String javaNode = nodeId("java-client-1", mesh.namespaceAddress);
    try (PeerProcess java =
        PeerProcess.grpcJava(
            mesh,
            "java-client-1",
            Map.of(
                "GRPC_XDS_BOOTSTRAP", bootstrap("java-client-1", mesh.namespaceAddress).toString()),
            dir.resolve("java-client-1.log"))) {
      assertThat(servers(call(java, amf, 20))).contains(AMF_1, amf0);

      // Everything to subset v2: only amf-1 carries version=v2.
      source.set(
          TwoAmfDemo.objects(
              true, istio(rule.formatted("[{destination: {host: amf, subset: v2}}]"))));
      for (PeerProcess peer : List.of(client, java)) {
        awaitServers(peer, amf, servers -> servers.equals(Set.of(AMF_1)));
        JsonNode pinned = call(peer, amf, 40);
        assertThat(errors(pinned)).isEmpty();
        assertThat(servers(pinned)).containsExactly(AMF_1);
      }

      // 20 % to the Service (both pods), 80 % to v2: amf-1 answers about 90 % of calls.
      source.set(
          TwoAmfDemo.objects(
              true,
              istio(
                  rule.formatted(
                      "[{destination: {host: amf}, weight: 20},"
                          + " {destination: {host: amf, subset: v2}, weight: 80}]"))));
      for (PeerProcess peer : List.of(client, java)) {
        awaitServers(peer, amf, servers -> servers.contains(amf0));
        JsonNode split = call(peer, amf, 200);
        assertThat(errors(split)).isEmpty();
        int toAmf1 = split.path("servers").path(AMF_1).asInt();
        int toAmf0 = split.path("servers").path(amf0).asInt();
        assertThat(toAmf1).as("amf-1's share of 200 calls").isGreaterThan(140);
        assertThat(toAmf0).as("amf-0's share of 200 calls").isPositive();
      }
    } finally {
      source.set(TwoAmfDemo.objects(true));
    }
    awaitServers(client, amf, servers -> servers.contains("amf-0@10.244.1.10:8080"));
    assertThat(client.nacks()).as("grpc-go's own log").isEmpty();
    assertThat(tap.events())
        .as("neither client NACKed the routes")
        .noneMatch(e -> (e.node().equals(clientNode) || e.node().equals(javaNode)) && e.nack());
  }

  private static List<io.fabric8.kubernetes.api.model.GenericKubernetesResource> istio(
      String yaml) {
    return new io.telmesh.kube.ManifestParser()
        .parse("istio.yaml", yaml).objects().stream()
            .map(o -> (io.fabric8.kubernetes.api.model.GenericKubernetesResource) o)
            .toList();
  }

  private static long streamOf(String node, String cluster) {
    return tap.events().stream()
        .filter(e -> e.node().equals(node) && e.fromClient() && e.names().contains(cluster))
        .map(AdsTap.Event::stream)
        .findFirst()
        .orElseThrow(() -> new AssertionError(node + " never asked for " + cluster));
  }

  private static AdsTap.Event lastEvent(long stream, boolean fromClient) {
    List<AdsTap.Event> events =
        tap.events().stream()
            .filter(e -> e.stream() == stream && e.fromClient() == fromClient)
            .toList();
    return events.get(events.size() - 1);
  }

  /**
   * From a source change to the node's ACK of the first EDS response after it that carried the
   * cluster: when grpc-go had taken the change in.
   */
  private static Duration ackDelay(String node, String cluster, Instant changed)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      List<AdsTap.Event> events = tap.events();
      for (AdsTap.Event response : events) {
        if (response.fromClient()
            || !response.node().equals(node)
            || !response.typeUrl().equals(EDS)
            || !response.names().contains(cluster)
            || !response.at().isAfter(changed)) {
          continue;
        }
        for (AdsTap.Event answer : events) {
          if (answer.fromClient()
              && answer.stream() == response.stream()
              && answer.nonce().equals(response.nonce())) {
            assertThat(answer.nack()).as("%s's answer to the change", node).isFalse();
            return Duration.between(changed, answer.at());
          }
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError(node + " never ACKed a change of " + cluster);
  }

  /** Calls until a batch's answering servers pass the test (grpc-go applies changes async). */
  private static void awaitServers(PeerProcess peer, String target, Predicate<Set<String>> wanted)
      throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Set<String> last = Set.of();
    while (System.nanoTime() < deadline) {
      last = servers(call(peer, target, 10));
      if (wanted.test(last)) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(target + " still answered by " + last);
  }

  /** telmesh_xds_nacks_total over every type, from the monitoring port. */
  private static double nacksCounted() throws Exception {
    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://"
                                + mesh.hostAddress
                                + ":"
                                + server.monitoringPort()
                                + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return metrics
        .body()
        .lines()
        .filter(l -> l.startsWith("telmesh_xds_nacks_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static JsonNode call(PeerProcess peer, String target, int count) throws Exception {
    return call(peer, target, count, 10000);
  }

  private static JsonNode call(PeerProcess peer, String target, int count, int timeoutMs)
      throws Exception {
    peer.send("call " + target + " " + count + " " + timeoutMs);
    return JsonMapper.builder().build().readTree(peer.next(WAIT.multipliedBy(2)));
  }

  private static Set<String> servers(JsonNode result) {
    Set<String> servers = new TreeSet<>();
    result.path("servers").propertyNames().forEach(servers::add);
    return servers;
  }

  private static Map<String, Integer> errors(JsonNode result) {
    Map<String, Integer> errors = new LinkedHashMap<>();
    result.path("errors").properties().forEach(e -> errors.put(e.getKey(), e.getValue().asInt()));
    return errors;
  }

  /** Every address of every pod, on every interface. */
  private static List<String> addresses(MeshState state) {
    List<String> addresses = new ArrayList<>();
    for (Workload workload : state.workloads().values()) {
      for (PodInterface network : workload.interfaces()) {
        network.ips().stream().map(IpAddress::address).forEach(addresses::add);
      }
    }
    return addresses;
  }

  /**
   * A plain gRPC backend on every TCP container port of every pod, on each of its addresses, as a
   * server listening on all interfaces would be; smf-0's SBI port is its xDS server's.
   */
  private static List<String> backendArguments(MeshState state) {
    List<String> arguments = new ArrayList<>(List.of("backends"));
    for (Workload workload : state.workloads().values()) {
      for (ContainerPort port : workload.containerPorts()) {
        if (port.protocol() != L4Protocol.TCP
            || (workload.name().equals("smf-0") && port.port() == 8080)) {
          continue;
        }
        for (PodInterface network : workload.interfaces()) {
          for (IpAddress ip : network.ips()) {
            String host = ip.v6() ? "[" + ip.address() + "]" : ip.address();
            arguments.add(
                workload.name() + "@" + host + ":" + port.port() + "=" + host + ":" + port.port());
          }
        }
      }
    }
    return arguments;
  }

  private static String nodeId(String pod, String ip) {
    return "sidecar~" + ip + "~" + pod + ".telco~telco.svc.cluster.local";
  }

  /**
   * The bootstrap of a proxyless pod as {@code telmesh bootstrap --proxyless} writes it (what
   * Istio's agent writes): the mesh pod's own for smf-0, a client's for pods telmesh does not know.
   */
  private static Path bootstrap(String pod, String ip) throws Exception {
    XdsAddress xds = XdsAddress.parse(mesh.hostAddress + ":" + server.xdsPort());
    NamespacedName name = new NamespacedName("telco", pod);
    JsonNode bootstrap =
        state.workload(name).isPresent()
            ? GrpcBootstrap.of(state.workload(name).orElseThrow(), xds, "1.24.0")
            : GrpcBootstrap.client(ip, name, xds, "1.24.0");
    Path file = dir.resolve(pod + "-bootstrap.json");
    Files.writeString(file, bootstrap.toPrettyString(), StandardCharsets.UTF_8);
    return file;
  }
}
