package io.telmesh.inbound;

import static java.util.stream.Collectors.joining;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.original_src.v3.OriginalSrc;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.CaptureSettings;
import io.telmesh.model.InboundPort;
import io.telmesh.model.InterceptionMode;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.PodInterface;
import io.telmesh.model.Problem;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.resources.ProxyProfile;
import io.telmesh.testing.ListenerFilterPredicates;
import io.telmesh.testing.Meshes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link InboundPlan} and {@link InboundListenerBuilder} on small pods built here. Each chain is
 * summarised on one line, {@code <name>: <destination>:<port> [alpn] -> <filter> <stat prefix> =>
 * <cluster> [idle] [{interface@network}]}, so a row reads as the config Envoy gets.
 */
class InboundListenerBuilderTest {

  private static final NamespacedName POD = new NamespacedName("core", "amf-0");
  private static final ProxyProfile REDIRECT_V4 =
      new ProxyProfile(InterceptionMode.REDIRECT, Optional.empty(), true, false);

  record ChainRow(
      String name,
      Workload pod,
      List<InboundPort> ports,
      ProxyProfile profile,
      List<String> expectedChains) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<ChainRow> chainRows() {
    return Stream.of(
        new ChainRow(
            "single-network pod: Istio's port chain only",
            pod(CaptureSettings.DEFAULTS, eth0("10.244.1.7")),
            List.of(port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of("0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||")),
        new ChainRow(
            "net1 and net2: a chain per interface, pinned to its addresses, eth0 included",
            pod(
                CaptureSettings.DEFAULTS,
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7"),
                net("net2", "core/ran", "192.168.60.7")),
            List.of(port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||",
                "eth0_9000: 10.244.1.7/32:9000 -> tcp inbound|9000|eth0| => inbound|9000||"
                    + " {eth0@default}",
                "net1_9000: 192.168.50.7/32:9000 -> tcp inbound|9000|net1| => inbound|9000||"
                    + " {net1@core/signaling}",
                "net2_9000: 192.168.60.7/32:9000 -> tcp inbound|9000|net2| => inbound|9000||"
                    + " {net2@core/ran}")),
        new ChainRow(
            // IDLE_TIMEOUT is set, yet Diameter peers must never be cut while idle.
            "Diameter 3868 on eth0 and net1: no idle cut-off on any chain",
            pod(
                CaptureSettings.DEFAULTS,
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7")),
            List.of(port(3868, AppProtocol.DIAMETER)),
            new ProxyProfile(
                InterceptionMode.REDIRECT, Optional.of(Duration.ofSeconds(30)), true, false),
            List.of(
                "0.0.0.0_3868: *:3868 -> tcp inbound|3868|| => inbound|3868|| idle=0s",
                "eth0_3868: 10.244.1.7/32:3868 -> tcp inbound|3868|eth0| => inbound|3868||"
                    + " idle=0s {eth0@default}",
                "net1_3868: 192.168.50.7/32:3868 -> tcp inbound|3868|net1| => inbound|3868||"
                    + " idle=0s {net1@core/signaling}")),
        new ChainRow(
            "plain TCP carries the node's IDLE_TIMEOUT",
            pod(CaptureSettings.DEFAULTS, eth0("10.244.1.7")),
            List.of(port(9000, AppProtocol.TCP)),
            new ProxyProfile(
                InterceptionMode.REDIRECT, Optional.of(Duration.ofSeconds(30)), true, false),
            List.of("0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000|| idle=30s")),
        new ChainRow(
            "excludeInterfaces: net1 bypasses the sidecar, so it gets no chain",
            pod(
                excludeInterfaces("net1"),
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7"),
                net("net2", "core/ran", "192.168.60.7")),
            List.of(port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||",
                "eth0_9000: 10.244.1.7/32:9000 -> tcp inbound|9000|eth0| => inbound|9000||"
                    + " {eth0@default}",
                "net2_9000: 192.168.60.7/32:9000 -> tcp inbound|9000|net2| => inbound|9000||"
                    + " {net2@core/ran}")),
        new ChainRow(
            "telmesh.io/excludeInboundInterfaces: inbound-only bypass also drops the chain",
            pod(
                excludeInboundInterfaces("net2"),
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7"),
                net("net2", "core/ran", "192.168.60.7")),
            List.of(port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||",
                "eth0_9000: 10.244.1.7/32:9000 -> tcp inbound|9000|eth0| => inbound|9000||"
                    + " {eth0@default}",
                "net1_9000: 192.168.50.7/32:9000 -> tcp inbound|9000|net1| => inbound|9000||"
                    + " {net1@core/signaling}")),
        new ChainRow(
            // Excluded ports never reach the sidecar; Istio still emits their port chain.
            "excludeInboundPorts 9000: Istio's chain kept, no per-interface chains for it",
            pod(
                excludeInboundPorts(9000),
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7")),
            List.of(port(3868, AppProtocol.DIAMETER), port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_3868: *:3868 -> tcp inbound|3868|| => inbound|3868|| idle=0s",
                "eth0_3868: 10.244.1.7/32:3868 -> tcp inbound|3868|eth0| => inbound|3868||"
                    + " idle=0s {eth0@default}",
                "net1_3868: 192.168.50.7/32:3868 -> tcp inbound|3868|net1| => inbound|3868||"
                    + " idle=0s {net1@core/signaling}",
                "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||")),
        new ChainRow(
            // An SR-IOV/DPDK device is owned by the app and carries no kernel traffic.
            "SR-IOV interface without addresses gets no chain",
            pod(
                CaptureSettings.DEFAULTS,
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7"),
                net("net2", "core/sriov-n3")),
            List.of(port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||",
                "eth0_9000: 10.244.1.7/32:9000 -> tcp inbound|9000|eth0| => inbound|9000||"
                    + " {eth0@default}",
                "net1_9000: 192.168.50.7/32:9000 -> tcp inbound|9000|net1| => inbound|9000||"
                    + " {net1@core/signaling}")),
        new ChainRow(
            // Without a secondary kernel interface the pod must look exactly as Istio makes it.
            "only an SR-IOV interface besides eth0: treated as single-network, no eth0 chain",
            pod(CaptureSettings.DEFAULTS, eth0("10.244.1.7"), net("net1", "core/sriov-n3")),
            List.of(port(9000, AppProtocol.TCP)),
            REDIRECT_V4,
            List.of("0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||")),
        new ChainRow(
            "HTTP port on a secondary interface: HTTP chains per interface, stats split by it",
            pod(
                CaptureSettings.DEFAULTS,
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7")),
            List.of(port(8080, AppProtocol.HTTP)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_8080: *:8080 -> http inbound_0.0.0.0_8080; => inbound|8080||",
                "eth0_8080: 10.244.1.7/32:8080 -> http inbound_eth0_8080; => inbound|8080||"
                    + " {eth0@default}",
                "net1_8080: 192.168.50.7/32:8080 -> http inbound_net1_8080; => inbound|8080||"
                    + " {net1@core/signaling}")),
        new ChainRow(
            "sniffed port: HTTP by ALPN, then a TCP fallback with the same match otherwise",
            pod(CaptureSettings.DEFAULTS, eth0("10.244.1.7")),
            List.of(port(7000, AppProtocol.AUTO)),
            REDIRECT_V4,
            List.of(
                "0.0.0.0_7000: *:7000 alpn=http/1.1,h2c -> http inbound_0.0.0.0_7000;"
                    + " => inbound|7000||",
                "0.0.0.0_7000: *:7000 -> tcp inbound|7000|| => inbound|7000||")),
        new ChainRow(
            "dual-stack secondary interface: one chain matching /32 and /128",
            pod(
                CaptureSettings.DEFAULTS,
                eth0("fd00:10::7"),
                net("net1", "core/signaling", "192.168.50.7", "fd00:50::7")),
            List.of(port(9000, AppProtocol.TCP)),
            new ProxyProfile(InterceptionMode.REDIRECT, Optional.empty(), true, true),
            List.of(
                "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||",
                "eth0_9000: fd00:10::7/128:9000 -> tcp inbound|9000|eth0| => inbound|9000||"
                    + " {eth0@default}",
                "net1_9000: 192.168.50.7/32,fd00:50::7/128:9000 -> tcp inbound|9000|net1|"
                    + " => inbound|9000|| {net1@core/signaling}")),
        new ChainRow(
            "interception mode does not change the chains",
            pod(
                CaptureSettings.DEFAULTS,
                eth0("10.244.1.7"),
                net("net1", "core/signaling", "192.168.50.7")),
            List.of(port(3868, AppProtocol.DIAMETER)),
            new ProxyProfile(InterceptionMode.TPROXY, Optional.empty(), true, false),
            List.of(
                "0.0.0.0_3868: *:3868 -> tcp inbound|3868|| => inbound|3868|| idle=0s",
                "eth0_3868: 10.244.1.7/32:3868 -> tcp inbound|3868|eth0| => inbound|3868||"
                    + " idle=0s {eth0@default}",
                "net1_3868: 192.168.50.7/32:3868 -> tcp inbound|3868|net1| => inbound|3868||"
                    + " idle=0s {net1@core/signaling}")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chainRows")
  void chains(ChainRow row) throws Exception {
    InboundPlan plan = InboundPlan.of(row.pod(), row.ports());
    Listener listener = InboundListenerBuilder.build(row.pod(), plan, row.profile());

    List<FilterChain> portChains = portChains(listener);
    assertThat(describeAll(portChains)).containsExactlyElementsOf(row.expectedChains());
    // Istio's rule: without mTLS every chain but the blackhole matches plaintext only.
    assertThat(portChains)
        .allSatisfy(
            c ->
                assertThat(c.getFilterChainMatch().getTransportProtocol()).isEqualTo("raw_buffer"));
    assertThat(plan.problems()).isEmpty();
  }

  /** The two chains every sidecar has, whatever its ports. */
  @Test
  void podWithoutPortsGetsTheBlackholeAndTheTcpPassthrough() throws Exception {
    Workload pod = pod(CaptureSettings.DEFAULTS, eth0("10.244.1.7"));
    Listener listener =
        InboundListenerBuilder.build(pod, InboundPlan.of(pod, List.of()), REDIRECT_V4);

    assertThat(listener.getName()).isEqualTo("virtualInbound");
    assertThat(describeAll(listener.getFilterChainsList()))
        .containsExactly(
            "virtualInbound-blackhole: *:15006 -> tcp BlackHoleCluster => BlackHoleCluster",
            "virtualInbound: *:any -> tcp InboundPassthroughCluster => InboundPassthroughCluster");
    assertThat(listener.getFilterChains(1).getFilterChainMatch().getTransportProtocol())
        .isEqualTo("raw_buffer");
  }

  record ListenerRow(
      String name,
      ProxyProfile profile,
      List<InboundPort> ports,
      String address,
      List<String> additionalAddresses,
      boolean transparent,
      List<String> listenerFilters,
      String clusterSource) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<ListenerRow> listenerRows() {
    List<InboundPort> tcp = List.of(port(3868, AppProtocol.DIAMETER));
    return Stream.of(
        new ListenerRow(
            "REDIRECT, IPv4: the app sees connections from 127.0.0.6",
            REDIRECT_V4,
            tcp,
            "0.0.0.0:15006",
            List.of(),
            false,
            List.of("envoy.filters.listener.original_dst"),
            "127.0.0.6"),
        new ListenerRow(
            // Diameter peers that check the source address need it kept.
            "TPROXY: transparent, original_src with mark 1337, no source rewrite",
            new ProxyProfile(InterceptionMode.TPROXY, Optional.empty(), true, false),
            tcp,
            "0.0.0.0:15006",
            List.of(),
            true,
            List.of(
                "envoy.filters.listener.original_dst",
                "envoy.filters.listener.original_src mark=1337"),
            "client address"),
        new ListenerRow(
            "REDIRECT, IPv6 only: binds :: and rewrites the source to ::6",
            new ProxyProfile(InterceptionMode.REDIRECT, Optional.empty(), false, true),
            tcp,
            "[::]:15006",
            List.of(),
            false,
            List.of("envoy.filters.listener.original_dst"),
            "::6"),
        new ListenerRow(
            "REDIRECT, dual-stack: :: as an additional address, both source addresses",
            new ProxyProfile(InterceptionMode.REDIRECT, Optional.empty(), true, true),
            tcp,
            "0.0.0.0:15006",
            List.of("[::]:15006"),
            false,
            List.of("envoy.filters.listener.original_dst"),
            "127.0.0.6 + ::6"),
        new ListenerRow(
            "a sniffed port adds the HTTP inspector, running on that port only",
            REDIRECT_V4,
            List.of(port(3868, AppProtocol.DIAMETER), port(7000, AppProtocol.AUTO)),
            "0.0.0.0:15006",
            List.of(),
            false,
            List.of(
                "envoy.filters.listener.original_dst",
                "envoy.filters.listener.http_inspector on [7000]"),
            "127.0.0.6"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("listenerRows")
  void listenerLevelFields(ListenerRow row) throws Exception {
    Workload pod = pod(CaptureSettings.DEFAULTS, eth0("10.244.1.7"));
    Listener listener =
        InboundListenerBuilder.build(pod, InboundPlan.of(pod, row.ports()), row.profile());

    assertThat(socket(listener.getAddress().getSocketAddress())).isEqualTo(row.address());
    assertThat(listener.getAdditionalAddressesList())
        .map(a -> socket(a.getAddress().getSocketAddress()))
        .containsExactlyElementsOf(row.additionalAddresses());
    assertThat(listener.getTransparent().getValue()).isEqualTo(row.transparent());
    assertThat(listener.getListenerFiltersList())
        .map(InboundListenerBuilderTest::describeListenerFilter)
        .containsExactlyElementsOf(row.listenerFilters());

    List<Cluster> clusters = InboundClusterBuilder.build(row.ports(), row.profile());
    assertThat(clusters).map(InboundListenerBuilderTest::source).containsOnly(row.clusterSource());
  }

  @Test
  void anAddressOnTwoInterfacesIsKeptOnTheFirstAndReported() throws Exception {
    Workload pod =
        pod(
            CaptureSettings.DEFAULTS,
            eth0("10.244.1.7"),
            net("net1", "core/signaling", "192.168.50.7"),
            net("net2", "core/signaling-b", "192.168.50.7", "192.168.51.7"));
    InboundPlan plan = InboundPlan.of(pod, List.of(port(9000, AppProtocol.TCP)));
    Listener listener = InboundListenerBuilder.build(pod, plan, REDIRECT_V4);

    // Envoy rejects a whole listener whose chains have identical matches.
    assertThat(describeAll(portChains(listener)))
        .containsExactly(
            "0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||",
            "eth0_9000: 10.244.1.7/32:9000 -> tcp inbound|9000|eth0| => inbound|9000||"
                + " {eth0@default}",
            "net1_9000: 192.168.50.7/32:9000 -> tcp inbound|9000|net1| => inbound|9000||"
                + " {net1@core/signaling}",
            "net2_9000: 192.168.51.7/32:9000 -> tcp inbound|9000|net2| => inbound|9000||"
                + " {net2@core/signaling-b}");
    assertThat(plan.problems())
        .containsExactly(
            new Problem(
                "Pod",
                "core",
                "amf-0",
                "metadata.annotations[k8s.v1.cni.cncf.io/network-status]",
                "address 192.168.50.7 appears on more than one interface; kept on the first only"));
  }

  @Test
  void anInterfaceWhoseOnlyAddressIsTakenGetsNoChain() throws Exception {
    Workload pod =
        pod(
            CaptureSettings.DEFAULTS,
            eth0("10.244.1.7"),
            net("net1", "core/signaling", "10.244.1.7"));
    InboundPlan plan = InboundPlan.of(pod, List.of(port(9000, AppProtocol.TCP)));

    assertThat(plan.interfaces())
        .extracting(InterfaceBinding::interfaceName)
        .containsExactly("eth0");
    assertThat(plan.problems())
        .extracting(Problem::reason)
        .containsExactly(
            "address 10.244.1.7 appears on more than one interface; kept on the first only");
  }

  /**
   * SCTP and UDP never become inbound ports, so no chain can exist for them; the decision is listed
   * instead. Diameter on 3868 over both TCP and SCTP is the telco case: TCP proxied, SCTP left
   * alone.
   */
  @Test
  void sctpAndUdpPortsGetNoChainAndAreListedAsUntouched() throws Exception {
    MeshState mesh =
        Meshes.yaml(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: amf, namespace: core}
            spec:
              clusterIP: 10.96.0.10
              selector: {app: amf}
              ports:
              - {name: diameter, port: 3868, protocol: TCP}
              - {name: diameter-sctp, port: 3868, protocol: SCTP}
              - {name: ngap, port: 38412, protocol: SCTP}
              - {name: gtpu, port: 2152, protocol: UDP}
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: amf-0
              namespace: core
              labels: {app: amf}
              annotations:
                k8s.v1.cni.cncf.io/network-status: |-
                  [{"name":"kindnet","interface":"eth0","ips":["10.244.1.7"],"default":true},
                   {"name":"core/signaling","interface":"net1","ips":["192.168.50.7"]}]
            status:
              phase: Running
              podIPs: [{ip: 10.244.1.7}]
            """);
    Workload pod = mesh.workload(POD).orElseThrow();
    WorkloadPorts ports = mesh.portsOf(POD);
    Listener listener =
        InboundListenerBuilder.build(pod, InboundPlan.of(pod, ports.inbound()), REDIRECT_V4);

    assertThat(describeAll(portChains(listener)))
        .containsExactly(
            "0.0.0.0_3868: *:3868 -> tcp inbound|3868|| => inbound|3868|| idle=0s",
            "eth0_3868: 10.244.1.7/32:3868 -> tcp inbound|3868|eth0| => inbound|3868||"
                + " idle=0s {eth0@default}",
            "net1_3868: 192.168.50.7/32:3868 -> tcp inbound|3868|net1| => inbound|3868||"
                + " idle=0s {net1@core/signaling}");
    assertThat(ports.untouched())
        .extracting(UntouchedPort::port, UntouchedPort::transport, UntouchedPort::portName)
        .containsExactly(
            tuple(2152, L4Protocol.UDP, "gtpu"),
            tuple(3868, L4Protocol.SCTP, "diameter-sctp"),
            tuple(38412, L4Protocol.SCTP, "ngap"));
    assertThat(ports.untouched())
        .filteredOn(p -> p.transport() == L4Protocol.SCTP)
        .allSatisfy(p -> assertThat(p.reason()).startsWith("SCTP is never proxied"));
  }

  /**
   * One chain per target port: the oldest Service decides its protocol, as in Istio, and a younger
   * one that disagrees is reported; a target port the sidecar itself listens on gets no chain.
   */
  @Test
  void conflictingOrReservedTargetPortsAreReportedOnTheService() throws Exception {
    MeshState mesh =
        Meshes.yaml(
            """
            apiVersion: v1
            kind: Service
            metadata: {name: amf-tcp, namespace: core, creationTimestamp: "2026-01-01T00:00:00Z"}
            spec:
              clusterIP: 10.96.0.10
              selector: {app: amf}
              ports: [{name: tcp-x, port: 9000}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: amf-http, namespace: core, creationTimestamp: "2026-02-01T00:00:00Z"}
            spec:
              clusterIP: 10.96.0.11
              selector: {app: amf}
              ports: [{name: http-x, port: 80, targetPort: 9000}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: amf-bad, namespace: core, creationTimestamp: "2026-03-01T00:00:00Z"}
            spec:
              clusterIP: 10.96.0.12
              selector: {app: amf}
              ports: [{name: tcp-y, port: 81, targetPort: 15006}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: amf-0, namespace: core, labels: {app: amf}}
            status:
              phase: Running
              podIPs: [{ip: 10.244.1.7}]
            """);
    Workload pod = mesh.workload(POD).orElseThrow();
    Listener listener =
        InboundListenerBuilder.build(
            pod, InboundPlan.of(pod, mesh.portsOf(POD).inbound()), REDIRECT_V4);

    assertThat(describeAll(portChains(listener)))
        .containsExactly("0.0.0.0_9000: *:9000 -> tcp inbound|9000|| => inbound|9000||");
    assertThat(mesh.problems())
        .extracting(Problem::describe)
        .containsExactly(
            "Service core/amf-bad spec.ports[0].targetPort: target port 15006 of pod core/amf-0"
                + " is reserved for the sidecar; no inbound chain built",
            "Service core/amf-http spec.ports[0].targetPort: target port 9000 of pod core/amf-0"
                + " is already served as tcp for older Service core/amf-tcp; this Service's http"
                + " is ignored inbound");
  }

  private static InboundPort port(int number, AppProtocol protocol) {
    return new InboundPort(number, protocol, Optional.empty());
  }

  private static Workload pod(CaptureSettings capture, PodInterface... interfaces) {
    return new Workload(
        POD,
        new TreeMap<>(Map.of("app", "amf")),
        List.of(interfaces),
        List.of(),
        List.of(),
        Optional.of(true),
        true,
        Instant.parse("2026-11-01T10:00:00Z"),
        capture,
        Optional.empty(),
        "default");
  }

  private static PodInterface eth0(String... ips) {
    return new PodInterface("eth0", "default", ips(ips), true);
  }

  private static PodInterface net(String name, String network, String... ips) {
    return new PodInterface(name, network, ips(ips), false);
  }

  private static List<IpAddress> ips(String... texts) {
    return Arrays.stream(texts).map(t -> IpAddress.parse(t).orElseThrow()).toList();
  }

  /** {@code traffic.sidecar.istio.io/excludeInterfaces}: bypass both ways. */
  private static CaptureSettings excludeInterfaces(String... names) {
    return capture(Set.of(names), Set.of(), Set.of());
  }

  /** {@code telmesh.io/excludeInboundInterfaces}: bypass for inbound traffic only. */
  private static CaptureSettings excludeInboundInterfaces(String... names) {
    return capture(Set.of(), Set.of(names), Set.of());
  }

  /** {@code traffic.sidecar.istio.io/excludeInboundPorts}. */
  private static CaptureSettings excludeInboundPorts(Integer... ports) {
    return capture(Set.of(), Set.of(), Set.of(ports));
  }

  private static CaptureSettings capture(
      Set<String> excludeInterfaces,
      Set<String> excludeInboundInterfaces,
      Set<Integer> excludePorts) {
    CaptureSettings d = CaptureSettings.DEFAULTS;
    return new CaptureSettings(
        d.interceptionMode(),
        d.includeInboundPorts(),
        new TreeSet<>(excludePorts),
        new TreeSet<>(excludeInterfaces),
        d.includeInterfaces(),
        new TreeSet<>(excludeInboundInterfaces),
        d.includeOutboundIpRanges(),
        d.excludeOutboundIpRanges(),
        d.includeOutboundPorts(),
        d.excludeOutboundPorts(),
        d.kubevirtInterfaces(),
        d.captureDns());
  }

  /** The chains a pod's ports added: everything but the blackhole and the passthrough. */
  private static List<FilterChain> portChains(Listener listener) {
    return listener.getFilterChainsList().stream()
        .filter(c -> !c.getName().equals("virtualInbound-blackhole"))
        .filter(c -> !c.getName().equals("virtualInbound"))
        .toList();
  }

  private static List<String> describeAll(List<FilterChain> chains)
      throws InvalidProtocolBufferException {
    List<String> lines = new java.util.ArrayList<>();
    for (FilterChain chain : chains) {
      lines.add(describe(chain));
    }
    return lines;
  }

  private static String describe(FilterChain chain) throws InvalidProtocolBufferException {
    FilterChainMatch match = chain.getFilterChainMatch();
    String destination =
        match.getPrefixRangesCount() == 0
            ? "*"
            : match.getPrefixRangesList().stream()
                .map(r -> r.getAddressPrefix() + "/" + r.getPrefixLen().getValue())
                .collect(joining(","));
    String port = match.hasDestinationPort() ? "" + match.getDestinationPort().getValue() : "any";
    String alpn =
        match.getApplicationProtocolsCount() == 0
            ? ""
            : " alpn=" + String.join(",", match.getApplicationProtocolsList());
    assertThat(chain.getFiltersCount()).isEqualTo(1);
    String line = chain.getName() + ": " + destination + ":" + port + alpn + " -> ";
    line += describeFilter(chain.getFilters(0));
    if (chain.hasMetadata()) {
      Map<String, com.google.protobuf.Value> fields =
          chain.getMetadata().getFilterMetadataOrThrow("telmesh").getFieldsMap();
      line +=
          " {"
              + fields.get("interface").getStringValue()
              + "@"
              + fields.get("network").getStringValue()
              + "}";
    }
    return line;
  }

  private static String describeFilter(Filter filter) throws InvalidProtocolBufferException {
    if (filter.getTypedConfig().is(TcpProxy.class)) {
      TcpProxy tcp = filter.getTypedConfig().unpack(TcpProxy.class);
      String idle = tcp.hasIdleTimeout() ? " idle=" + tcp.getIdleTimeout().getSeconds() + "s" : "";
      return "tcp " + tcp.getStatPrefix() + " => " + tcp.getCluster() + idle;
    }
    HttpConnectionManager http = filter.getTypedConfig().unpack(HttpConnectionManager.class);
    String cluster = http.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster();
    return "http " + http.getStatPrefix() + " => " + cluster;
  }

  private static String describeListenerFilter(ListenerFilter filter) {
    try {
      if (filter.getTypedConfig().is(OriginalSrc.class)) {
        return filter.getName()
            + " mark="
            + filter.getTypedConfig().unpack(OriginalSrc.class).getMark();
      }
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    if (filter.hasFilterDisabled()) {
      List<Integer> runsOn =
          Stream.iterate(1, p -> p <= 65535, p -> p + 1)
              .filter(p -> !ListenerFilterPredicates.disabledOn(filter, p))
              .toList();
      return filter.getName() + " on " + runsOn;
    }
    return filter.getName();
  }

  private static String socket(SocketAddress address) {
    String host =
        address.getAddress().contains(":")
            ? "[" + address.getAddress() + "]"
            : address.getAddress();
    return host + ":" + address.getPortValue();
  }

  /** Where the inbound cluster connects to the app from. */
  private static String source(Cluster cluster) {
    if (!cluster.hasUpstreamBindConfig()) {
      return "client address";
    }
    var bind = cluster.getUpstreamBindConfig();
    String source = bind.getSourceAddress().getAddress();
    for (var extra : bind.getExtraSourceAddressesList()) {
      source += " + " + extra.getAddress().getAddress();
    }
    return source;
  }
}
