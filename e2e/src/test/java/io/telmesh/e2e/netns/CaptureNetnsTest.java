package io.telmesh.e2e.netns;

import static io.telmesh.e2e.netns.PodNetwork.PEER_A;
import static io.telmesh.e2e.netns.PodNetwork.PEER_B;
import static io.telmesh.e2e.netns.PodNetwork.POD_ETH0;
import static io.telmesh.e2e.netns.PodNetwork.POD_NET1;
import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.capture.CapturePlan;
import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.NamespacedName;
import io.telmesh.source.ManifestDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * telmesh's capture rules applied by {@code telmesh iptables --apply} inside a real network
 * namespace, with real traffic from two peers on two interfaces. Needs root; without it the tests
 * fail (they never skip).
 */
class CaptureNetnsTest {

  private static final NamespacedName POD = new NamespacedName("e2e", "app-0");
  private static final int CAPTURED = 8080;
  private static final int EXCLUDED = 9090;
  private static final int UDP_PORT = 5353;
  private static final int SCTP_PORT = 3868;
  private static final int PEER_PORT = 7000;
  private static final int APP_UID = 1000;
  private static final int PROXY_UID = 1337;
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration ABSENCE = Duration.ofMillis(300);
  private static final AtomicInteger TOKENS = new AtomicInteger();

  private static PodNetwork network;
  private static Agent pod;
  private static Agent peerA;
  private static Agent peerB;

  @BeforeAll
  static void buildNetwork() {
    network = PodNetwork.create();
    pod = Agent.start(network.pod);
    peerA = Agent.start(network.peerA);
    peerB = Agent.start(network.peerB);
    for (int port : List.of(15006, 15001, CAPTURED, EXCLUDED)) {
      pod.ok("LISTEN_TCP " + port);
    }
    pod.ok("LISTEN_UDP " + POD_ETH0 + " " + UDP_PORT);
    pod.ok("LISTEN_UDP " + POD_NET1 + " " + UDP_PORT);
    pod.ok("LISTEN_UDP 0.0.0.0 15053");
    pod.ok("LISTEN_SCTP");
    peerA.ok("LISTEN_TCP " + PEER_PORT);
    peerB.ok("LISTEN_TCP " + PEER_PORT);
    peerB.ok("LISTEN_UDP " + PEER_B + " " + UDP_PORT);
  }

  @AfterAll
  static void removeNetwork() {
    for (Agent agent : new Agent[] {pod, peerA, peerB}) {
      if (agent != null) {
        agent.close();
      }
    }
    if (network != null) {
      network.close();
      assertThat(network.anyLeft()).as("namespaces left behind").isFalse();
    }
  }

  // --- the pod, its manifests, and applying its rules ------------------------------------------

  /**
   * The pod's manifests: network-status matching the namespace, a Service with TCP, UDP and SCTP
   * ports.
   */
  private static Path manifests(Map<String, String> annotations) throws IOException {
    String extra =
        annotations.entrySet().stream()
            .map(e -> "    " + e.getKey() + ": \"" + e.getValue() + "\"\n")
            .collect(Collectors.joining());
    Path dir = Files.createTempDirectory("telmesh-e2e-");
    Files.writeString(
        dir.resolve("mesh.yaml"),
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: app-0
          namespace: e2e
          labels: {app: app}
          annotations:
            k8s.v1.cni.cncf.io/networks: signaling@net1
            k8s.v1.cni.cncf.io/network-status: '[{"name":"kindnet","interface":"eth0","ips":["%s"],"default":true},{"name":"e2e/signaling","interface":"net1","ips":["%s","%s"]}]'
        %sspec:
          containers:
          - name: app
            image: app
            ports:
            - {name: tcp-app, containerPort: %d}
            - {name: tcp-admin, containerPort: %d}
        status:
          phase: Running
          podIP: %s
          podIPs: [{ip: %s}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: app, namespace: e2e}
        spec:
          clusterIP: 10.96.0.50
          selector: {app: app}
          ports:
          - {name: tcp-app, port: %d}
          - {name: tcp-admin, port: %d}
          - {name: stats, port: %d, protocol: UDP}
          - {name: diameter-sctp, port: %d, protocol: SCTP}
        """
            .formatted(
                POD_ETH0,
                POD_NET1,
                PodNetwork.POD_NET1_V6,
                extra,
                CAPTURED,
                EXCLUDED,
                POD_ETH0,
                POD_ETH0,
                CAPTURED,
                EXCLUDED,
                UDP_PORT,
                SCTP_PORT));
    return dir;
  }

  /**
   * Resets the pod's namespace, then runs {@code telmesh iptables --apply} in it, as an init
   * container would.
   */
  private static CapturePlan apply(Map<String, String> annotations, String... extraArgs)
      throws IOException {
    network.resetCapture();
    Path dir = manifests(annotations);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        new ArrayList<>(
            Shell.in(
                network.pod,
                java,
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "io.telmesh.cli.Main",
                "iptables",
                "--manifests",
                dir.toString(),
                "--pod",
                POD.toString(),
                "--apply"));
    command.addAll(List.of(extraArgs));
    Shell.Result applied = Shell.run(command, "");
    assertThat(applied.exitCode()).as("telmesh iptables --apply: %s", applied.output()).isZero();
    // Probes of our own (filter table, not ISTIO_*): how conntrack classifies the SCTP we send.
    network.inPod("iptables", "-A", "INPUT", "-p", "sctp", "-m", "conntrack", "--ctstate", "NEW");
    network.inPod(
        "iptables", "-A", "INPUT", "-p", "sctp", "-m", "conntrack", "--ctstate", "INVALID");
    try {
      return CapturePlanBuilder.forPod(
          MeshStateBuilder.build(new ManifestDirectory(dir).read()), POD, false);
    } catch (io.telmesh.source.SourceException e) {
      throw new IllegalStateException(e);
    } finally {
      Files.delete(dir.resolve("mesh.yaml"));
      Files.delete(dir);
    }
  }

  // --- traffic ----------------------------------------------------------------------------------

  private static String token() {
    return "t" + TOKENS.incrementAndGet();
  }

  /** key=value fields of an event line. */
  private static Map<String, String> fields(String event) {
    Map<String, String> fields = new HashMap<>();
    for (String word : event.split(" ")) {
      int eq = word.indexOf('=');
      if (eq > 0) {
        fields.put(word.substring(0, eq), word.substring(eq + 1));
      } else {
        fields.put("kind", word);
      }
    }
    return fields;
  }

  /** Connects from an agent; returns what the pod (or peer) that accepted it saw. */
  private static Map<String, String> tcp(
      Agent from, String address, int port, int fsuid, Agent seenBy) {
    String token = token();
    String answer = from.send("CONNECT " + address + " " + port + " " + token + " " + fsuid);
    assertThat(answer).as("connect to %s:%d", address, port).startsWith("OK reply=ok_");
    String event =
        seenBy
            .event(e -> e.endsWith("token=" + token), WAIT)
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no listener reported connection "
                            + token
                            + " to "
                            + address
                            + ":"
                            + port));
    return fields(event);
  }

  private static void assertCapturedInbound(
      Agent from, String peer, String address, boolean tproxy) {
    Map<String, String> seen = tcp(from, address, CAPTURED, 0, pod);
    assertThat(seen.get("listen")).as("inbound to %s:%d", address, CAPTURED).isEqualTo("15006");
    assertThat(seen.get("peer")).as("client address preserved").startsWith(peer + ":");
    if (tproxy) {
      assertThat(seen.get("local"))
          .as("TPROXY keeps the original destination")
          .isEqualTo(address + ":" + CAPTURED);
      assertThat(seen.get("orig"))
          .as("no NAT in TPROXY mode")
          .isIn("none", address + ":" + CAPTURED);
    } else {
      assertThat(seen.get("local"))
          .as("REDIRECTed to the inbound port")
          .isEqualTo(address + ":15006");
      assertThat(seen.get("orig")).as("SO_ORIGINAL_DST").isEqualTo(address + ":" + CAPTURED);
    }
  }

  private static void assertReachesApp(Agent from, String address, int port) {
    Map<String, String> seen = tcp(from, address, port, 0, pod);
    assertThat(seen.get("listen"))
        .as("%s:%d reaches the app directly", address, port)
        .isEqualTo(String.valueOf(port));
    assertThat(seen.get("local")).isEqualTo(address + ":" + port);
    // conntrack knows the connection, but its destination was not rewritten
    assertThat(seen.get("orig")).isIn("none", address + ":" + port);
  }

  private static void assertOutboundCaptured(String peerAddress, int uid) {
    Map<String, String> seen = tcp(pod, peerAddress, PEER_PORT, uid, pod);
    assertThat(seen.get("listen"))
        .as("outbound from uid %d to %s", uid, peerAddress)
        .isEqualTo("15001");
    assertThat(seen.get("orig")).isEqualTo(peerAddress + ":" + PEER_PORT);
  }

  private static void assertOutboundDirect(
      String peerAddress, Agent peer, String podAddress, int uid) {
    Map<String, String> seen = tcp(pod, peerAddress, PEER_PORT, uid, peer);
    assertThat(seen.get("listen"))
        .as("outbound from uid %d to %s reaches the peer", uid, peerAddress)
        .isEqualTo(String.valueOf(PEER_PORT));
    assertThat(seen.get("peer")).startsWith(podAddress + ":");
    assertThat(
            pod.events(e -> e.contains("listen=15001") && e.endsWith("token=" + seen.get("token"))))
        .isEmpty();
  }

  private static void assertUdpUnchanged() {
    String fromA = token();
    String fromB = token();
    peerA.ok("SEND_UDP " + POD_ETH0 + " " + UDP_PORT + " " + fromA);
    peerB.ok("SEND_UDP " + POD_NET1 + " " + UDP_PORT + " " + fromB);
    assertThat(pod.event(e -> e.endsWith("token=" + fromA), WAIT))
        .as("UDP to eth0")
        .hasValueSatisfying(
            e ->
                assertThat(fields(e))
                    .containsEntry("bound", POD_ETH0 + ":" + UDP_PORT)
                    .hasEntrySatisfying("peer", p -> assertThat(p).startsWith(PEER_A + ":")));
    assertThat(pod.event(e -> e.endsWith("token=" + fromB), WAIT))
        .as("UDP to net1")
        .hasValueSatisfying(
            e ->
                assertThat(fields(e))
                    .containsEntry("bound", POD_NET1 + ":" + UDP_PORT)
                    .hasEntrySatisfying("peer", p -> assertThat(p).startsWith(PEER_B + ":")));
  }

  /**
   * SCTP INITs (valid, and one with a wrong checksum that conntrack finds INVALID) to both
   * interfaces arrive with their destination port, and no ISTIO rule counts any of them.
   */
  private static void assertSctpUntouched() {
    RuleCounters.zero(network.pod);
    int base = 40000 + TOKENS.incrementAndGet() * 10;
    List<String> sent =
        List.of(
            send(peerB, POD_NET1, base + 1, true), send(peerB, POD_NET1, base + 2, true),
            send(peerB, POD_NET1, base + 3, false), send(peerA, POD_ETH0, base + 4, true));
    for (String expected : sent) {
      assertThat(pod.event(e -> e.startsWith("sctp ") && e.contains(expected), WAIT))
          .as("SCTP packet %s received unchanged", expected)
          .isPresent();
    }
    List<RuleCounters.Counted> counters = RuleCounters.read(network.pod, "iptables-save");
    assertThat(counters.stream().filter(RuleCounters.Counted::istio).toList())
        .as("ISTIO rules")
        .isNotEmpty()
        .allSatisfy(c -> assertThat(c.packets()).as("packets counted by %s", c).isZero());
    assertThat(counters)
        .filteredOn(c -> c.rule().contains("--ctstate NEW") && c.rule().contains("sctp"))
        .singleElement()
        .extracting(RuleCounters.Counted::packets)
        .as("SCTP INITs conntrack saw as NEW")
        .isEqualTo(3L);
    assertThat(counters)
        .filteredOn(c -> c.rule().contains("--ctstate INVALID") && c.rule().contains("sctp"))
        .singleElement()
        .extracting(RuleCounters.Counted::packets)
        .as("the bad-checksum INIT, INVALID but not dropped")
        .isEqualTo(1L);
    // The counters do count: one captured TCP connection moves the inbound entry rule.
    assertCapturedInboundOnce();
    assertThat(RuleCounters.read(network.pod, "iptables-save"))
        .filteredOn(c -> c.rule().equals("-A PREROUTING -p tcp -j ISTIO_INBOUND"))
        .anySatisfy(c -> assertThat(c.packets()).isPositive());
  }

  private static void assertCapturedInboundOnce() {
    assertThat(tcp(peerB, POD_NET1, CAPTURED, 0, pod).get("listen")).isEqualTo("15006");
  }

  private static String send(Agent from, String address, int sourcePort, boolean valid) {
    from.ok(
        "SEND_SCTP "
            + address
            + " "
            + sourcePort
            + " "
            + SCTP_PORT
            + " "
            + (valid ? "valid" : "badcrc"));
    return "dst=" + address + " sport=" + sourcePort + " dport=" + SCTP_PORT + " chunk=1";
  }

  private static void assertUntouchedPortsListed(CapturePlan plan) {
    assertThat(plan.untouched())
        .extracting(u -> u.transport() + "/" + u.port())
        .contains(L4Protocol.UDP + "/" + UDP_PORT, L4Protocol.SCTP + "/" + SCTP_PORT);
  }

  // --- the cases --------------------------------------------------------------------------------

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Redirect {

    CapturePlan plan;

    @BeforeAll
    void applyRules() throws IOException {
      plan =
          apply(
              Map.of(
                  "traffic.sidecar.istio.io/excludeInboundPorts",
                  String.valueOf(EXCLUDED),
                  "telmesh.io/captureDNS",
                  "true"),
              "--drop-invalid");
    }

    @Test
    void rulesOfBothFamiliesAreInPlace() {
      assertThat(network.inPod("iptables-save"))
          .contains(
              "-A PREROUTING -p tcp -j ISTIO_INBOUND",
              "-A PREROUTING -p tcp -m conntrack --ctstate INVALID -j ISTIO_DROP");
      assertThat(network.inPod("ip6tables-save"))
          .contains("-A ISTIO_OUTPUT -s ::6/128 -o lo -j RETURN");
      assertThat(network.inPod("ip", "-6", "addr", "show", "dev", "lo")).contains("::6/128");
      assertUntouchedPortsListed(plan);
    }

    @Test
    void inboundTcpOnEachInterfaceReachesTheInboundListener() {
      assertCapturedInbound(peerA, PEER_A, POD_ETH0, false);
      assertCapturedInbound(peerB, PEER_B, POD_NET1, false);
    }

    @Test
    void anExcludedPortReachesTheApp() {
      assertReachesApp(peerA, POD_ETH0, EXCLUDED);
      assertReachesApp(peerB, POD_NET1, EXCLUDED);
    }

    @Test
    void outboundTcpFromTheAppReachesTheOutboundListener() {
      assertOutboundCaptured(PEER_B, APP_UID);
      assertOutboundCaptured(PEER_A, APP_UID);
    }

    @Test
    void outboundTcpFromTheProxyIsNotRecaptured() {
      assertOutboundDirect(PEER_B, peerB, POD_NET1, PROXY_UID);
    }

    @Test
    void udpReachesTheAppUnchanged() {
      assertUdpUnchanged();
    }

    @Test
    void onlyDnsIsTakenFromUdp() {
      String dns = token();
      pod.ok("SEND_UDP " + PEER_B + " 53 " + dns);
      assertThat(pod.event(e -> e.endsWith("token=" + dns), WAIT))
          .as("DNS query to the agent's port")
          .hasValueSatisfying(e -> assertThat(e).contains("bound=0.0.0.0:15053"));
      String other = token();
      pod.ok("SEND_UDP " + PEER_B + " " + UDP_PORT + " " + other);
      assertThat(peerB.event(e -> e.endsWith("token=" + other), WAIT))
          .as("other UDP goes out untouched")
          .hasValueSatisfying(
              e ->
                  assertThat(e)
                      .contains("bound=" + PEER_B + ":" + UDP_PORT, "peer=" + POD_NET1 + ":"));
      assertThat(pod.event(e -> e.endsWith("token=" + other), ABSENCE)).isEmpty();
    }

    @Test
    void sctpIsUntouched() {
      assertSctpUntouched();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Tproxy {

    CapturePlan plan;

    @BeforeAll
    void applyRules() throws IOException {
      plan =
          apply(
              Map.of(
                  "sidecar.istio.io/interceptionMode",
                  "TPROXY",
                  "traffic.sidecar.istio.io/excludeInboundPorts",
                  String.valueOf(EXCLUDED)),
              "--drop-invalid");
    }

    @Test
    void mangleRulesAndPolicyRoutingAreInPlace() {
      assertThat(network.inPod("iptables-save"))
          .contains(
              "-A PREROUTING -p tcp -j ISTIO_INBOUND",
              "-A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --on-port 15006");
      assertThat(network.inPod("ip", "-4", "rule")).contains("fwmark 0x539 lookup 133");
      assertThat(network.inPod("ip", "-6", "rule")).contains("fwmark 0x539 lookup 133");
      assertThat(network.inPod("ip", "-4", "route", "show", "table", "133"))
          .contains("local default dev lo");
      assertUntouchedPortsListed(plan);
    }

    @Test
    void inboundTcpOnEachInterfaceReachesTheInboundListenerWithItsSource() {
      assertCapturedInbound(peerA, PEER_A, POD_ETH0, true);
      assertCapturedInbound(peerB, PEER_B, POD_NET1, true);
    }

    @Test
    void anExcludedPortReachesTheApp() {
      assertReachesApp(peerB, POD_NET1, EXCLUDED);
    }

    @Test
    void outboundTcpFromTheAppReachesTheOutboundListener() {
      assertOutboundCaptured(PEER_B, APP_UID);
    }

    @Test
    void outboundTcpFromTheProxyIsNotRecaptured() {
      assertOutboundDirect(PEER_B, peerB, POD_NET1, PROXY_UID);
    }

    @Test
    void udpReachesTheAppUnchanged() {
      assertUdpUnchanged();
    }

    @Test
    void sctpIsUntouched() {
      assertSctpUntouched();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class OnlyEth0Captured {

    @BeforeAll
    void applyRules() throws IOException {
      apply(Map.of("telmesh.io/includeInterfaces", "eth0"));
    }

    @Test
    void net1BypassesTheSidecarBothWays() {
      assertReachesApp(peerB, POD_NET1, CAPTURED);
      assertOutboundDirect(PEER_B, peerB, POD_NET1, APP_UID);
    }

    @Test
    void eth0IsStillCapturedBothWays() {
      assertCapturedInbound(peerA, PEER_A, POD_ETH0, false);
      assertOutboundCaptured(PEER_A, APP_UID);
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class Net1ExcludedForInboundOnly {

    @BeforeAll
    void applyRules() throws IOException {
      apply(Map.of("telmesh.io/excludeInboundInterfaces", "net1"));
    }

    @Test
    void inboundOnNet1ReachesTheApp() {
      assertReachesApp(peerB, POD_NET1, CAPTURED);
      assertCapturedInbound(peerA, PEER_A, POD_ETH0, false);
    }

    @Test
    void outboundThroughNet1IsStillCaptured() {
      assertOutboundCaptured(PEER_B, APP_UID);
    }
  }
}
