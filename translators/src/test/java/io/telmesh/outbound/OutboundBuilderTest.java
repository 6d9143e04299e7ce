package io.telmesh.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.model.AppProtocol;
import io.telmesh.model.IpAddress;
import io.telmesh.model.L4Protocol;
import io.telmesh.model.Locality;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.ServicePort;
import io.telmesh.model.TargetPort;
import io.telmesh.model.UntouchedPort;
import io.telmesh.testing.Meshes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OutboundBuilder} on small meshes built here. Each resource reads as a header line with its
 * parts indented below it:
 *
 * <ul>
 *   <li>listener {@code <name> @<address>:<port> [+extra] [listener filters]}; chains {@code tcp =>
 *       <cluster> [idle]} or {@code [alpn=..] http <stat prefix> rds=<route>}
 *   <li>route {@code <name>}; virtual hosts {@code <host> => <cluster>}
 *   <li>endpoints {@code <cluster>}; localities {@code <zone, r/z/s or -> w=<weight>:
 *       <address>:<port>..}
 *   <li>cluster, on one line: {@code <name> <discovery type> [+keepalive] [+h2]}
 * </ul>
 */
class OutboundBuilderTest {

  private static final Instant OLDER = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NEWER = Instant.parse("2026-06-01T00:00:00Z");

  private static final String DB = "outbound|5432||db.core.svc.cluster.local";
  private static final String DB_HL = "outbound|5432||db-hl.core.svc.cluster.local";
  private static final String DB_A = "outbound|5432||db-a.core.svc.cluster.local";
  private static final String DB_B = "outbound|5432||db-b.core.svc.cluster.local";
  private static final String API = "outbound|8080||api.core.svc.cluster.local";
  private static final String NRF = "outbound|8080||nrf.core.svc.cluster.local";
  private static final String WEB = "outbound|7000||web.core.svc.cluster.local";
  private static final String DRA = "outbound|3868||dra.core.svc.cluster.local";
  private static final String ODD = "outbound|15001||odd.core.svc.cluster.local";
  private static final String SIG = "outbound|9000||sig.core.svc.cluster.local";

  /** One row; everything not set is expected to be empty. */
  static final class Row {
    final String name;
    MeshState mesh = MeshState.EMPTY;
    Optional<Duration> idleTimeout = Optional.empty();
    List<String> listeners = List.of();
    List<String> clusters = List.of();
    List<String> routes = List.of();
    List<String> endpoints = List.of();
    List<String> untouched = List.of();
    List<String> problems = List.of();

    Row(String name) {
      this.name = name;
    }

    Row mesh(MeshState mesh) {
      this.mesh = mesh;
      return this;
    }

    Row idleTimeout(Duration idleTimeout) {
      this.idleTimeout = Optional.of(idleTimeout);
      return this;
    }

    Row listeners(String... expected) {
      listeners = List.of(expected);
      return this;
    }

    Row clusters(String... expected) {
      clusters = List.of(expected);
      return this;
    }

    Row routes(String... expected) {
      routes = List.of(expected);
      return this;
    }

    Row endpoints(String... expected) {
      endpoints = List.of(expected);
      return this;
    }

    Row untouched(String... expected) {
      untouched = List.of(expected);
      return this;
    }

    Row problems(String... expected) {
      problems = List.of(expected);
      return this;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Row> rows() {
    return Stream.of(
        new Row("TCP port: <vip>_<port> listener, EDS cluster, IDLE_TIMEOUT carried")
            .mesh(
                mesh(
                    List.of(service("db", "10.96.0.10", port("tcp-sql", 5432, AppProtocol.TCP))),
                    endpoints("db", 5432, ready("10.244.1.7", 5432, "zone-a"))))
            .idleTimeout(Duration.ofSeconds(30))
            .listeners("10.96.0.10_5432 @10.96.0.10:5432", "  tcp => " + DB + " idle=30s")
            .clusters(DB + " EDS LEAST_REQUEST")
            .endpoints(DB, "  zone-a w=1: 10.244.1.7:5432"),
        new Row("dual-stack VIPs: one listener, the IPv6 VIP as an additional address")
            .mesh(
                mesh(
                    List.of(
                        service(
                            "db",
                            List.of("10.96.0.10", "fd00:96::10"),
                            List.of(port("tcp-sql", 5432, AppProtocol.TCP)),
                            List.of())),
                    Map.of()))
            .listeners("10.96.0.10_5432 @10.96.0.10:5432 +[fd00:96::10]:5432", "  tcp => " + DB)
            .clusters(DB + " EDS LEAST_REQUEST")
            .endpoints(DB),
        new Row("HTTP port: 0.0.0.0_<port> with RDS named after the port")
            .mesh(
                mesh(
                    List.of(service("api", "10.96.0.11", port("http-api", 8080, AppProtocol.HTTP))),
                    endpoints("api", 8080, ready("10.244.1.8", 8080, ""))))
            .listeners(
                "0.0.0.0_8080 @0.0.0.0:8080 [http_inspector]",
                "  alpn=http/1.1,h2c http outbound_0.0.0.0_8080; rds=8080",
                "  default tcp => PassthroughCluster")
            .clusters(API + " EDS LEAST_REQUEST")
            .routes(
                "8080",
                "  api.core.svc.cluster.local:8080 => " + API,
                "  allow_any => PassthroughCluster")
            .endpoints(API, "  - w=1: 10.244.1.8:8080"),
        new Row("two HTTP Services on one port: one listener, one route, a host each")
            .mesh(
                mesh(
                    List.of(
                        service("api", "10.96.0.11", port("http-api", 8080, AppProtocol.HTTP)),
                        service("nrf", "10.96.0.12", port("grpc-nrf", 8080, AppProtocol.GRPC))),
                    Map.of()))
            .listeners(
                "0.0.0.0_8080 @0.0.0.0:8080 [http_inspector]",
                "  alpn=http/1.1,h2c http outbound_0.0.0.0_8080; rds=8080",
                "  default tcp => PassthroughCluster")
            .clusters(API + " EDS LEAST_REQUEST", NRF + " EDS LEAST_REQUEST +h2")
            .routes(
                "8080",
                "  api.core.svc.cluster.local:8080 => " + API,
                "  nrf.core.svc.cluster.local:8080 => " + NRF,
                "  allow_any => PassthroughCluster")
            .endpoints(API, NRF),
        new Row("sniffed port: VIP listener, HTTP by ALPN via RDS, TCP fallback")
            .mesh(
                mesh(
                    List.of(service("web", "10.96.0.13", port("web", 7000, AppProtocol.AUTO))),
                    Map.of()))
            .listeners(
                "10.96.0.13_7000 @10.96.0.13:7000 [http_inspector]",
                "  alpn=http/1.1,h2c http outbound_10.96.0.13_7000; rds=7000",
                "  tcp => " + WEB)
            .clusters(WEB + " EDS LEAST_REQUEST")
            .routes(
                "7000",
                "  web.core.svc.cluster.local:7000 => " + WEB,
                "  allow_any => PassthroughCluster")
            .endpoints(WEB),
        new Row("headless Service: a <podIP>_<port> listener per ready endpoint, ORIGINAL_DST")
            .mesh(
                mesh(
                    List.of(headless("db-hl", OLDER, port("tcp-sql", 5432, AppProtocol.TCP))),
                    endpoints(
                        "db-hl",
                        5432,
                        ready("10.244.1.7", 5432, ""),
                        ready("10.244.1.8", 5432, ""),
                        notReady("10.244.1.9", 5432))))
            .listeners(
                "10.244.1.7_5432 @10.244.1.7:5432",
                "  tcp => " + DB_HL,
                "10.244.1.8_5432 @10.244.1.8:5432",
                "  tcp => " + DB_HL)
            .clusters(DB_HL + " ORIGINAL_DST")
            .endpoints(DB_HL, "  - w=2: 10.244.1.7:5432 10.244.1.8:5432"),
        new Row("endpoints: not-ready left out, grouped by zone, every locality weighted")
            .mesh(
                mesh(
                    List.of(service("db", "10.96.0.10", port("tcp-sql", 5432, AppProtocol.TCP))),
                    endpoints(
                        "db",
                        5432,
                        ready("10.244.1.7", 5432, "zone-a"),
                        ready("10.244.2.7", 5432, "zone-b"),
                        ready("10.244.1.8", 5432, "zone-a"),
                        notReady("10.244.1.9", 5432))))
            .listeners("10.96.0.10_5432 @10.96.0.10:5432", "  tcp => " + DB)
            .clusters(DB + " EDS LEAST_REQUEST")
            .endpoints(
                DB,
                "  zone-a w=2: 10.244.1.7:5432 10.244.1.8:5432",
                "  zone-b w=1: 10.244.2.7:5432"),
        new Row(
                "endpoints: one group per full locality, unknown first, no address twice even"
                    + " across localities")
            .mesh(
                mesh(
                    List.of(service("db", "10.96.0.10", port("tcp-sql", 5432, AppProtocol.TCP))),
                    endpoints(
                        "db",
                        5432,
                        ready("10.244.1.6", 5432, ""),
                        ready("10.244.1.7", 5432, new Locality("eu", "eu-1a", "r7")),
                        ready("10.244.1.7", 5432, "zone-a"),
                        ready("10.244.1.8", 5432, new Locality("eu", "eu-1a", "")),
                        ready("10.244.1.9", 5432, new Locality("eu", "eu-1a", "r7")),
                        ready("10.244.1.9", 5433, "zone-a"))))
            .listeners("10.96.0.10_5432 @10.96.0.10:5432", "  tcp => " + DB)
            .clusters(DB + " EDS LEAST_REQUEST")
            .endpoints(
                DB,
                "  - w=1: 10.244.1.6:5432",
                "  zone-a w=1: 10.244.1.9:5433",
                "  eu/eu-1a/ w=1: 10.244.1.8:5432",
                "  eu/eu-1a/r7 w=2: 10.244.1.7:5432 10.244.1.9:5432"),
        new Row("UDP and SCTP ports: nothing built, each listed with its reason")
            .mesh(
                mesh(
                    List.of(
                        service(
                            "upf",
                            List.of("10.96.0.14"),
                            List.of(),
                            List.of(
                                untouched("gtpu", 2152, L4Protocol.UDP),
                                untouched("ngap", 38412, L4Protocol.SCTP)))),
                    Map.of()))
            .untouched(
                "Service core/upf UDP/2152 gtpu: UDP is never proxied: no listener, cluster or"
                    + " capture rule",
                "Service core/upf SCTP/38412 ngap: SCTP is never proxied (Envoy cannot carry it):"
                    + " no listener, cluster or capture rule"),
        new Row("Diameter: opaque TCP, no idle cut-off, keepalive; its SCTP twin untouched")
            .mesh(
                mesh(
                    List.of(
                        service(
                            "dra",
                            List.of("10.96.0.15"),
                            List.of(port("diameter", 3868, AppProtocol.DIAMETER)),
                            List.of(untouched("diameter-sctp", 3868, L4Protocol.SCTP)))),
                    Map.of()))
            .idleTimeout(Duration.ofSeconds(30))
            .listeners("10.96.0.15_3868 @10.96.0.15:3868", "  tcp => " + DRA + " idle=0s")
            .clusters(DRA + " EDS LEAST_REQUEST +keepalive")
            .endpoints(DRA)
            .untouched(
                "Service core/dra SCTP/3868 diameter-sctp: SCTP is never proxied (Envoy cannot"
                    + " carry it): no listener, cluster or capture rule"),
        new Row("two headless Services on one pod address: the older keeps the listener")
            .mesh(
                mesh(
                    List.of(
                        headless("db-a", NEWER, port("tcp-sql", 5432, AppProtocol.TCP)),
                        headless("db-b", OLDER, port("tcp-sql", 5432, AppProtocol.TCP))),
                    merge(
                        endpoints("db-a", 5432, ready("10.244.1.7", 5432, "")),
                        endpoints("db-b", 5432, ready("10.244.1.7", 5432, "")))))
            .listeners("10.244.1.7_5432 @10.244.1.7:5432", "  tcp => " + DB_B)
            .clusters(DB_A + " ORIGINAL_DST", DB_B + " ORIGINAL_DST")
            .endpoints(DB_A, "  - w=1: 10.244.1.7:5432", DB_B, "  - w=1: 10.244.1.7:5432")
            .problems(
                "Service core/db-a spec.ports[0]: listener 10.244.1.7_5432 is already built for an"
                    + " older Service; this port is not served there"),
        new Row("HTTP on a sidecar port: no 0.0.0.0 listener, cluster kept, problem")
            .mesh(
                mesh(
                    List.of(service("odd", "10.96.0.16", port("http", 15001, AppProtocol.HTTP))),
                    Map.of()))
            .clusters(ODD + " EDS LEAST_REQUEST")
            .routes(
                "15001",
                "  odd.core.svc.cluster.local:15001 => " + ODD,
                "  allow_any => PassthroughCluster")
            .endpoints(ODD)
            .problems(
                "Service core/odd spec.ports[0]: HTTP port 15001 collides with a sidecar listener"
                    + " on 0.0.0.0:15001; not served outbound"),
        new Row("secondary-network Service: endpoints are the pods' addresses on that network")
            .mesh(
                Meshes.yaml(
                    """
                    apiVersion: k8s.cni.cncf.io/v1
                    kind: NetworkAttachmentDefinition
                    metadata: {name: signaling, namespace: core}
                    spec:
                      config: '{"cniVersion":"0.3.1","type":"macvlan","master":"eth1"}'
                    ---
                    apiVersion: v1
                    kind: Service
                    metadata:
                      name: sig
                      namespace: core
                      annotations: {k8s.v1.cni.cncf.io/service-network: signaling}
                      labels: {service.kubernetes.io/service-proxy-name: multus-proxy}
                    spec:
                      clusterIP: 10.96.0.20
                      selector: {app: sig}
                      ports: [{name: tcp-sig, port: 9000, targetPort: 9001}]
                    ---
                    apiVersion: discovery.k8s.io/v1
                    kind: EndpointSlice
                    metadata:
                      name: sig-eth0
                      namespace: core
                      labels: {kubernetes.io/service-name: sig}
                    addressType: IPv4
                    ports: [{name: tcp-sig, port: 9001, protocol: TCP}]
                    endpoints:
                    - addresses: [10.244.1.7]
                      conditions: {ready: true}
                      targetRef: {kind: Pod, name: sig-0, namespace: core}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata:
                      name: sig-0
                      namespace: core
                      labels: {app: sig}
                      annotations:
                        k8s.v1.cni.cncf.io/network-status: |-
                          [{"name":"cbr0","interface":"eth0","ips":["10.244.1.7"],"default":true},
                           {"name":"core/signaling","interface":"net1","ips":["192.168.50.7"]}]
                    status:
                      phase: Running
                      conditions: [{type: Ready, status: "True"}]
                      podIPs: [{ip: 10.244.1.7}]
                    """))
            .listeners("10.96.0.20_9000 @10.96.0.20:9000", "  tcp => " + SIG)
            .clusters(SIG + " EDS LEAST_REQUEST")
            .endpoints(SIG, "  - w=1: 192.168.50.7:9001"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void build(Row row) throws Exception {
    SharedOutbound outbound =
        OutboundBuilder.build(
            row.mesh,
            OutboundBuilder.endpoints(row.mesh, (service, port) -> Optional.empty()),
            row.idleTimeout);

    assertThat(describeListeners(outbound.listeners().resources()))
        .containsExactlyElementsOf(row.listeners);
    // PassthroughCluster and BlackHoleCluster are in every row; see the test below.
    assertThat(
            outbound.clusters().resources().stream()
                .filter(c -> c.getName().startsWith("outbound|"))
                .map(OutboundBuilderTest::describe))
        .containsExactlyElementsOf(row.clusters);
    assertThat(lines(outbound.routesFor("elsewhere").resources(), OutboundBuilderTest::describe))
        .containsExactlyElementsOf(row.routes);
    assertThat(lines(outbound.endpoints().resources(), OutboundBuilderTest::describe))
        .containsExactlyElementsOf(row.endpoints);
    assertThat(outbound.untouched().stream().map(OutboundBuilderTest::describe))
        .containsExactlyElementsOf(row.untouched);
    assertThat(outbound.problems().stream().map(Problem::describe))
        .containsExactlyElementsOf(row.problems);

    // Istio's conventions, true of every row.
    assertThat(outbound.listeners().resources())
        .allSatisfy(
            l -> {
              assertThat(l.getBindToPort().getValue()).as("bind_to_port").isFalse();
              assertThat(l.hasBindToPort()).isTrue();
              assertThat(l.getTrafficDirection()).isEqualTo(TrafficDirection.OUTBOUND);
            });
    assertThat(outbound.clusters().resources())
        .filteredOn(c -> c.getName().startsWith("outbound|"))
        .allSatisfy(
            c -> {
              assertThat(c.getAltStatName()).isEqualTo(c.getName() + ";");
              if (c.getType() == Cluster.DiscoveryType.EDS) {
                assertThat(c.getEdsClusterConfig().getServiceName()).isEqualTo(c.getName());
              }
            });
  }

  @Test
  void passthroughAndBlackholeClustersAreAlwaysThere() {
    SharedOutbound outbound =
        OutboundBuilder.build(
            MeshState.EMPTY,
            OutboundBuilder.endpoints(MeshState.EMPTY, (service, port) -> Optional.empty()),
            Optional.empty());

    assertThat(outbound.clusters().resources().stream().map(OutboundBuilderTest::describe))
        .containsExactlyInAnyOrder("PassthroughCluster ORIGINAL_DST", "BlackHoleCluster STATIC");
    assertThat(outbound.listeners().resources()).isEmpty();
  }

  /** Istio lets a client use the bare Service name only from the Service's own namespace. */
  @Test
  void routeDomainsIncludeTheShortNameOnlyForClientsInTheServiceNamespace() {
    MeshService api =
        service(
            "api",
            List.of("10.96.0.11", "fd00:96::11"),
            List.of(port("http-api", 8080, AppProtocol.HTTP)),
            List.of());

    assertThat(OutboundRouteBuilder.domains(api, "edge"))
        .containsExactly(
            "api.core.svc.cluster.local",
            "api.core.svc.cluster.local.",
            "api.core",
            "api.core.svc",
            "10.96.0.11",
            "[fd00:96::11]");
    assertThat(OutboundRouteBuilder.domains(api, "core"))
        .containsExactly(
            "api.core.svc.cluster.local",
            "api.core.svc.cluster.local.",
            "api",
            "api.core.svc",
            "api.core",
            "10.96.0.11",
            "[fd00:96::11]");
  }

  private static ServicePort port(String name, int number, AppProtocol protocol) {
    return new ServicePort(
        name,
        number,
        new TargetPort.Numeric(number),
        L4Protocol.TCP,
        Optional.empty(),
        protocol,
        0);
  }

  private static ServicePort untouched(String name, int number, L4Protocol transport) {
    return new ServicePort(
        name,
        number,
        new TargetPort.Numeric(number),
        transport,
        Optional.empty(),
        AppProtocol.TCP,
        0);
  }

  private static MeshService service(String name, String clusterIp, ServicePort port) {
    return service(name, List.of(clusterIp), List.of(port), List.of());
  }

  /** The creation time decides which Service wins a listener both want, as in Istio. */
  private static MeshService headless(String name, Instant created, ServicePort port) {
    return new MeshService(
        key(name),
        Optional.empty(),
        List.of(),
        true,
        List.of(port),
        List.of(),
        Optional.empty(),
        created);
  }

  private static MeshService service(
      String name, List<String> clusterIps, List<ServicePort> ports, List<ServicePort> untouched) {
    return new MeshService(
        key(name),
        Optional.empty(),
        clusterIps.stream().map(ip -> IpAddress.parse(ip).orElseThrow()).toList(),
        false,
        ports,
        untouched,
        Optional.empty(),
        OLDER);
  }

  private static NamespacedName key(String name) {
    return new NamespacedName("core", name);
  }

  private static ServiceEndpoint ready(String ip, int port, String zone) {
    return ready(ip, port, Locality.ofZone(zone));
  }

  private static ServiceEndpoint ready(String ip, int port, Locality locality) {
    return new ServiceEndpoint(
        IpAddress.parse(ip).orElseThrow(), port, true, Optional.empty(), locality);
  }

  private static ServiceEndpoint notReady(String ip, int port) {
    return new ServiceEndpoint(
        IpAddress.parse(ip).orElseThrow(), port, false, Optional.empty(), Locality.UNKNOWN);
  }

  private static Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints(
      String service, int port, ServiceEndpoint... endpoints) {
    return Map.of(key(service), Map.of(port, List.of(endpoints)));
  }

  @SafeVarargs
  private static Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> merge(
      Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>>... parts) {
    Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> all = new HashMap<>();
    Arrays.stream(parts).forEach(all::putAll);
    return all;
  }

  private static MeshState mesh(
      List<MeshService> services,
      Map<NamespacedName, Map<Integer, List<ServiceEndpoint>>> endpoints) {
    TreeMap<NamespacedName, MeshService> byKey = new TreeMap<>();
    services.forEach(s -> byKey.put(s.key(), s));
    return new MeshState(new TreeMap<>(), byKey, endpoints, new TreeMap<>(), Map.of(), List.of());
  }

  /** Each resource as a header line and its parts indented below it. */
  private static <T> List<String> lines(List<T> resources, Function<T, List<String>> describe) {
    return resources.stream().flatMap(r -> describe.apply(r).stream()).toList();
  }

  private static List<String> describeListeners(List<Listener> listeners)
      throws InvalidProtocolBufferException {
    List<String> lines = new ArrayList<>();
    for (Listener listener : listeners) {
      StringBuilder header =
          new StringBuilder(listener.getName())
              .append(" @")
              .append(socket(listener.getAddress().getSocketAddress()));
      listener
          .getAdditionalAddressesList()
          .forEach(a -> header.append(" +").append(socket(a.getAddress().getSocketAddress())));
      if (listener.getListenerFiltersCount() > 0) {
        header
            .append(" ")
            .append(
                listener.getListenerFiltersList().stream()
                    .map(f -> f.getName().replace("envoy.filters.listener.", ""))
                    .toList());
      }
      lines.add(header.toString());
      for (FilterChain chain : listener.getFilterChainsList()) {
        lines.add("  " + describe(chain));
      }
      if (listener.hasDefaultFilterChain()) {
        lines.add("  default " + describe(listener.getDefaultFilterChain()));
      }
    }
    return lines;
  }

  private static String describe(FilterChain chain) throws InvalidProtocolBufferException {
    assertThat(chain.getFiltersCount()).isEqualTo(1);
    String alpn =
        chain.getFilterChainMatch().getApplicationProtocolsCount() == 0
            ? ""
            : "alpn="
                + String.join(",", chain.getFilterChainMatch().getApplicationProtocolsList())
                + " ";
    Filter filter = chain.getFilters(0);
    if (filter.getTypedConfig().is(TcpProxy.class)) {
      TcpProxy tcp = filter.getTypedConfig().unpack(TcpProxy.class);
      // Istio: a tcp_proxy's stats are named after its cluster.
      assertThat(tcp.getStatPrefix()).isEqualTo(tcp.getCluster());
      String idle = tcp.hasIdleTimeout() ? " idle=" + tcp.getIdleTimeout().getSeconds() + "s" : "";
      return alpn + "tcp => " + tcp.getCluster() + idle;
    }
    HttpConnectionManager http = filter.getTypedConfig().unpack(HttpConnectionManager.class);
    return alpn + "http " + http.getStatPrefix() + " rds=" + http.getRds().getRouteConfigName();
  }

  private static String describe(Cluster cluster) {
    String line = cluster.getName() + " " + cluster.getType();
    if (cluster.getLbPolicy() != Cluster.LbPolicy.ROUND_ROBIN
        && cluster.getLbPolicy() != Cluster.LbPolicy.CLUSTER_PROVIDED) {
      line += " " + cluster.getLbPolicy();
    }
    if (cluster.getUpstreamConnectionOptions().hasTcpKeepalive()) {
      line += " +keepalive";
    }
    if (!cluster.getTypedExtensionProtocolOptionsMap().isEmpty()) {
      line += " +h2";
    }
    return line;
  }

  private static List<String> describe(RouteConfiguration route) {
    List<String> lines = new ArrayList<>(List.of(route.getName()));
    for (VirtualHost host : route.getVirtualHostsList()) {
      assertThat(host.getRoutesCount()).isEqualTo(1);
      lines.add("  " + host.getName() + " => " + host.getRoutes(0).getRoute().getCluster());
    }
    return lines;
  }

  private static List<String> describe(ClusterLoadAssignment assignment) {
    List<String> lines = new ArrayList<>(List.of(assignment.getClusterName()));
    for (LocalityLbEndpoints locality : assignment.getEndpointsList()) {
      StringBuilder line =
          new StringBuilder("  ")
              .append(describe(locality))
              .append(" w=")
              .append(locality.getLoadBalancingWeight().getValue())
              .append(":");
      for (LbEndpoint endpoint : locality.getLbEndpointsList()) {
        assertThat(endpoint.getLoadBalancingWeight().getValue()).isEqualTo(1);
        line.append(" ").append(socket(endpoint.getEndpoint().getAddress().getSocketAddress()));
      }
      lines.add(line.toString());
    }
    return lines;
  }

  /**
   * {@code -} for the empty locality, the zone alone when only it is known, else {@code r/z/s};
   * {@code NO-LOCALITY} when the field is absent (which grpc-go rejects).
   */
  private static String describe(LocalityLbEndpoints group) {
    if (!group.hasLocality()) {
      return "NO-LOCALITY";
    }
    io.envoyproxy.envoy.config.core.v3.Locality l = group.getLocality();
    if (l.getRegion().isEmpty() && l.getSubZone().isEmpty()) {
      return l.getZone().isEmpty() ? "-" : l.getZone();
    }
    return l.getRegion() + "/" + l.getZone() + "/" + l.getSubZone();
  }

  private static String describe(UntouchedPort port) {
    return port.owner().kind()
        + " "
        + port.owner().namespace()
        + "/"
        + port.owner().name()
        + " "
        + port.transport()
        + "/"
        + port.port()
        + " "
        + port.portName()
        + ": "
        + port.reason();
  }

  private static String socket(SocketAddress address) {
    String host = address.getAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPortValue();
  }
}
