package io.telmesh.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.telmesh.kube.Annotations;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.testing.Meshes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PodCaptureTest {

  private static final MeshState DEMO = Meshes.demo();

  /** A pod on eth0, net1 and net2, with the given capture annotations. */
  static MeshState pod(Map<String, String> annotations) {
    String extra =
        annotations.entrySet().stream()
            .map(e -> "    " + e.getKey() + ": '" + e.getValue().replace("'", "''") + "'\n")
            .collect(Collectors.joining());
    return Meshes.yaml(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: app-0
          namespace: t
          labels: {app: app}
          annotations:
            k8s.v1.cni.cncf.io/network-status: '[{"name":"kindnet","interface":"eth0","ips":["10.244.0.5"],"default":true},{"name":"t/a","interface":"net1","ips":["192.168.1.5"]},{"name":"t/b","interface":"net2","ips":["192.168.2.5"]}]'
        %sspec:
          containers:
          - name: app
            image: app
            ports:
            - {name: diameter, containerPort: 3868}
            - {name: gtpu, containerPort: 2152, protocol: UDP}
        status:
          phase: Running
          podIP: 10.244.0.5
          podIPs: [{ip: 10.244.0.5}]
        """
            .formatted(extra));
  }

  private static final NamespacedName APP = new NamespacedName("t", "app-0");

  static Stream<NamespacedName> demoPods() {
    return DEMO.workloads().keySet().stream();
  }

  private static List<TableRules> allTables(CapturePlan plan) {
    List<TableRules> tables = new ArrayList<>(plan.rules().v4());
    tables.addAll(plan.rules().v6());
    return tables;
  }

  private static List<String> lines(CapturePlan plan, IpFamily family) {
    return plan.rules().restorePayload(family).lines().toList();
  }

  @Test
  void startsFromTheInjectorsDefaults() {
    Workload workload = pod(Map.of()).workload(APP).orElseThrow();
    CaptureConfig pod = PodCaptureConfig.of(workload, false).orElseThrow();
    CaptureConfig injector =
        IstioFlags.parse(
            List.of(
                "-p",
                "15001",
                "-z",
                "15006",
                "-u",
                "1337",
                "-m",
                "REDIRECT",
                "-i",
                "*",
                "-x",
                "",
                "-b",
                "*",
                "-d",
                "15090,15021,15020"));
    assertThat(pod.toBuilder().flavor(RuleFlavor.ISTIO).build()).isEqualTo(injector);
  }

  @Test
  void istioAnnotationsAdjustTheInjectorsFlagsAsTheInjectorDoes() {
    MeshState mesh =
        pod(
            Map.of(
                Annotations.INTERCEPTION_MODE, "TPROXY",
                Annotations.INCLUDE_INBOUND_PORTS, "3868,8080",
                Annotations.EXCLUDE_INBOUND_PORTS, "9000",
                Annotations.INCLUDE_OUTBOUND_IP_RANGES, "10.0.0.0/8",
                Annotations.EXCLUDE_OUTBOUND_IP_RANGES, "10.96.0.0/12",
                Annotations.INCLUDE_OUTBOUND_PORTS, "443",
                Annotations.EXCLUDE_OUTBOUND_PORTS, "5432",
                Annotations.KUBEVIRT_INTERFACES, "tap0",
                Annotations.EXCLUDE_INTERFACES, "net2"));
    CaptureConfig pod = PodCaptureConfig.of(mesh.workload(APP).orElseThrow(), false).orElseThrow();
    CaptureConfig injector =
        IstioFlags.parse(
            List.of(
                "-p",
                "15001",
                "-z",
                "15006",
                "-u",
                "1337",
                "-m",
                "TPROXY",
                "-i",
                "10.0.0.0/8",
                "-x",
                "10.96.0.0/12",
                "-b",
                "3868,8080",
                "-d",
                "15090,15021,9000,15020",
                "-q",
                "443",
                "-o",
                "5432",
                "-k",
                "tap0",
                "-c",
                "net2"));
    assertThat(pod.toBuilder().flavor(RuleFlavor.ISTIO).build()).isEqualTo(injector);
  }

  @ParameterizedTest
  @MethodSource("demoPods")
  void noRuleMatchesSctp(NamespacedName pod) {
    for (boolean dropInvalid : List.of(false, true)) {
      CapturePlan plan = CapturePlanBuilder.forPod(DEMO, pod, dropInvalid);
      assertThat(ProtocolReach.rulesMatching(allTables(plan), "sctp"))
          .as("%s: rules SCTP can hit", pod)
          .isEmpty();
      assertThat(ProtocolReach.rulesMatching(allTables(plan), "udp"))
          .as("%s: rules UDP can hit", pod)
          .isEmpty();
    }
  }

  @Test
  void istiosOwnRulesDoMatchSctp() {
    // The contrast that makes noRuleMatchesSctp meaningful: the same settings in Istio's shape.
    CaptureConfig config =
        PodCaptureConfig.of(DEMO.workload(new NamespacedName("telco", "upf-0")).orElseThrow(), true)
            .orElseThrow()
            .toBuilder()
            .flavor(RuleFlavor.ISTIO)
            .build();
    List<String> hit = ProtocolReach.rulesMatching(RuleBuilder.build(config).v4(), "sctp");
    assertThat(hit)
        .contains(
            "nat: -A OUTPUT -j ISTIO_OUTPUT",
            "nat: -A PREROUTING -i net1 -j RETURN",
            "mangle: -A PREROUTING -m conntrack --ctstate INVALID -j ISTIO_DROP",
            "mangle: -A ISTIO_DROP -j DROP");
  }

  @Test
  void invalidPacketDropIsLimitedToTcp() {
    CapturePlan plan = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "amf-0"), true);
    assertThat(lines(plan, IpFamily.V4))
        .containsSubsequence(
            "* mangle",
            "-N ISTIO_DROP",
            "-A PREROUTING -p tcp -m conntrack --ctstate INVALID -j ISTIO_DROP",
            "-A ISTIO_DROP -j DROP");
    assertThat(lines(plan, IpFamily.V4))
        .noneMatch(line -> line.contains("INVALID") && !line.contains("-p tcp"));
    assertThat(
            CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "amf-0"), false)
                .rules()
                .v4())
        .noneMatch(t -> t.lines().stream().anyMatch(l -> l.contains("INVALID")));
  }

  @Test
  void udpIsCapturedOnlyForDnsWhenThePodAsks() {
    CapturePlan plan =
        CapturePlanBuilder.forPod(pod(Map.of(Annotations.CAPTURE_DNS, "true")), APP, true);
    List<String> udp = ProtocolReach.rulesMatching(allTables(plan), "udp");
    assertThat(udp)
        .contains(
            "nat: -A OUTPUT -p udp -j ISTIO_OUTPUT",
            "nat: -A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053",
            "raw: -A OUTPUT -p udp -j ISTIO_OUTPUT_DNS",
            "raw: -A PREROUTING -p udp -j ISTIO_INBOUND");
    // The only UDP redirect is DNS to the agent; nothing inbound is redirected or dropped.
    assertThat(udp.stream().filter(r -> r.contains("-j REDIRECT")))
        .containsExactly("nat: -A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053");
    assertThat(udp)
        .noneMatch(
            r -> r.contains("DROP") || r.contains("TPROXY") || r.startsWith("nat: -A PREROUTING"));
    assertThat(ProtocolReach.rulesMatching(allTables(plan), "sctp")).isEmpty();
    assertThat(plan.toProto().getDns().getEnabled()).isTrue();
    assertThat(plan.toProto().getDns().getAllServers()).isTrue();
  }

  @Test
  void everyInterfaceIsCapturedUnlessExcluded() {
    CapturePlan plan = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "amf-0"), false);
    assertThat(plan.interfaces())
        .extracting(CaptureInterface::name)
        .containsExactly("eth0", "net1", "net2");
    assertThat(plan.interfaces()).allMatch(i -> i.capturedInbound() && i.capturedOutbound());
    // No interface filter on the jumps: whatever interface a packet uses, it is captured.
    assertThat(lines(plan, IpFamily.V4))
        .contains("-A PREROUTING -p tcp -j ISTIO_INBOUND", "-A OUTPUT -p tcp -j ISTIO_OUTPUT")
        .noneMatch(
            l ->
                l.contains(" -i net")
                    || l.contains(" -o net")
                    || l.contains(" -i eth0")
                    || l.contains(" -o eth0"));
  }

  @Test
  void excludedInterfacesBypassBothWays() {
    CapturePlan plan = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "upf-0"), false);
    assertThat(lines(plan, IpFamily.V4))
        .containsSubsequence(
            "-A PREROUTING -i net1 -p tcp -j RETURN",
            "-A OUTPUT -o net1 -p tcp -j RETURN",
            "-A OUTPUT -p tcp -j ISTIO_OUTPUT");
    assertThat(plan.interfaces())
        .filteredOn(i -> i.name().equals("net1"))
        .singleElement()
        .matches(i -> !i.capturedInbound() && !i.capturedOutbound());
  }

  @Test
  void includeInterfacesCapturesOnlyThose() {
    CapturePlan plan =
        CapturePlanBuilder.forPod(pod(Map.of(Annotations.INCLUDE_INTERFACES, "net1")), APP, false);
    assertThat(lines(plan, IpFamily.V4))
        .containsSubsequence(
            "-A PREROUTING -i eth0 -p tcp -j RETURN", "-A OUTPUT -o eth0 -p tcp -j RETURN",
            "-A PREROUTING -i net2 -p tcp -j RETURN", "-A OUTPUT -o net2 -p tcp -j RETURN")
        .noneMatch(l -> l.contains("net1"));
    assertThat(plan.interfaces())
        .extracting(i -> i.name() + "=" + i.capturedInbound() + "/" + i.capturedOutbound())
        .containsExactly("eth0=false/false", "net1=true/true", "net2=false/false");
    assertThat(plan.toProto().getInbound().getExcludedInterfacesList())
        .containsExactly("eth0", "net2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"REDIRECT", "TPROXY"})
  void excludeInboundInterfacesKeepsOutboundCapture(String mode) {
    CapturePlan plan =
        CapturePlanBuilder.forPod(
            pod(
                Map.of(
                    Annotations.EXCLUDE_INBOUND_INTERFACES,
                    "net1",
                    Annotations.INTERCEPTION_MODE,
                    mode)),
            APP,
            false);
    List<String> lines = lines(plan, IpFamily.V4);
    assertThat(lines)
        .contains("-A PREROUTING -i net1 -p tcp -j RETURN")
        .noneMatch(l -> l.contains("-o net1"));
    if (mode.equals("TPROXY")) {
      assertThat(lines)
          .containsSubsequence(
              "* mangle",
              "-A PREROUTING -i net1 -p tcp -j RETURN",
              "-A PREROUTING -p tcp -j ISTIO_INBOUND",
              "COMMIT",
              "* nat",
              "-A PREROUTING -i net1 -p tcp -j RETURN");
    }
    assertThat(plan.interfaces())
        .filteredOn(i -> i.name().equals("net1"))
        .singleElement()
        .matches(i -> !i.capturedInbound() && i.capturedOutbound());
    assertThat(plan.toProto().getInbound().getExcludedInboundInterfacesList())
        .containsExactly("net1");
  }

  @Test
  void tproxyPodsGetMangleRulesAndPolicyRouting() {
    CapturePlan plan = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "smf-0"), false);
    assertThat(plan.mode()).isEqualTo(InterceptionMode.TPROXY);
    assertThat(plan.rules().v4()).extracting(TableRules::table).containsExactly("mangle", "nat");
    assertThat(lines(plan, IpFamily.V4))
        .contains(
            "-A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 1337/0xffffffff --on-port 15006");
    assertThat(plan.routing())
        .extracting(IpCommand::text)
        .containsExactly(
            "ip -4 rule add fwmark 1337 lookup 133",
            "ip -4 route replace local default dev lo table 133");
  }

  @Test
  void podsWithIpv6AddressesGetIpv6Rules() {
    CapturePlan hss = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "hss-0"), false);
    assertThat(hss.families()).containsExactly(IpFamily.V4, IpFamily.V6);
    assertThat(lines(hss, IpFamily.V6))
        .contains(
            "-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN", "-A ISTIO_OUTPUT -d ::1/128 -j RETURN");
    assertThat(hss.routing())
        .extracting(IpCommand::text)
        .containsExactly("ip -6 addr replace ::6/128 dev lo");
    CapturePlan amf = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "amf-0"), false);
    assertThat(amf.families()).containsExactly(IpFamily.V4);
    assertThat(amf.routing()).isEmpty();
  }

  @Test
  void sctpAndUdpPortsAreListedAsUntouched() {
    CapturePlan plan = CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "amf-0"), false);
    assertThat(plan.untouched())
        .isEqualTo(DEMO.portsOf(new NamespacedName("telco", "amf-0")).untouched());
    assertThat(plan.untouched())
        .anyMatch(u -> u.port() == 38412 && u.transport() == L4Protocol.SCTP);
    assertThat(plan.toProto().getUntouchedPortsList())
        .anyMatch(
            u ->
                u.getPort() == 38412
                    && u.getProtocol().equals("SCTP")
                    && u.getReason().contains("SCTP is never proxied"));
    CapturePlan app = CapturePlanBuilder.forPod(pod(Map.of()), APP, false);
    assertThat(app.untouched())
        .singleElement()
        .matches(u -> u.port() == 2152 && u.transport() == L4Protocol.UDP);
  }

  @Test
  void modeNoneHasNoRules() {
    CapturePlan plan =
        CapturePlanBuilder.forPod(pod(Map.of(Annotations.INTERCEPTION_MODE, "NONE")), APP, true);
    assertThat(plan.families()).isEmpty();
    assertThat(plan.routing()).isEmpty();
    assertThat(plan.config()).isEmpty();
    assertThat(plan.interfaces()).noneMatch(i -> i.capturedInbound() || i.capturedOutbound());
    assertThat(plan.untouched()).isNotEmpty();
  }

  static Stream<Arguments> invalidAnnotations() {
    return Stream.of(
        Arguments.of(Annotations.EXCLUDE_INTERFACES, "eth0 -j ACCEPT", "is not an interface name"),
        Arguments.of(
            Annotations.INCLUDE_INTERFACES, "net1,net1;reboot", "is not an interface name"),
        Arguments.of(
            Annotations.EXCLUDE_INBOUND_INTERFACES,
            "a-very-long-interface",
            "is not an interface name"),
        Arguments.of(Annotations.KUBEVIRT_INTERFACES, "tap 0", "is not an interface name"),
        Arguments.of(Annotations.INCLUDE_INBOUND_PORTS, "99999", "is not a port"),
        Arguments.of(Annotations.EXCLUDE_INBOUND_PORTS, "15020,x", "is not a port"),
        Arguments.of(Annotations.INCLUDE_OUTBOUND_PORTS, "0", "is not a port"),
        Arguments.of(Annotations.EXCLUDE_OUTBOUND_PORTS, "-1", "is not a port"),
        Arguments.of(Annotations.INCLUDE_OUTBOUND_IP_RANGES, "10.0.0.0/8 -j DROP", "is not a CIDR"),
        Arguments.of(Annotations.EXCLUDE_OUTBOUND_IP_RANGES, "*", "is not a CIDR"),
        Arguments.of(Annotations.INTERCEPTION_MODE, "MIRROR", "is not REDIRECT, TPROXY or NONE"),
        Arguments.of(Annotations.CAPTURE_DNS, "yes", "is not true or false"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("invalidAnnotations")
  void invalidAnnotationsStopThePlanNamingTheAnnotation(String key, String value, String reason) {
    MeshState mesh = pod(Map.of(key, value));
    assertThatThrownBy(() -> CapturePlanBuilder.forPod(mesh, APP, false))
        .isInstanceOfSatisfying(
            InvalidSettingException.class, e -> assertThat(e.setting()).isEqualTo(key))
        .hasMessageStartingWith("pod t/app-0: annotation " + key + ": ")
        .hasMessageContaining(reason)
        .hasMessageNotContaining("annotation ignored");
  }

  @Test
  void unknownPodsAreRefused() {
    assertThatThrownBy(
            () -> CapturePlanBuilder.forPod(DEMO, new NamespacedName("telco", "nope"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in the mesh");
  }
}
