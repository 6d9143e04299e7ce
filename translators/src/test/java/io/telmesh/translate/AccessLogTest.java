package io.telmesh.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.telmesh.envoy.AccessLogs;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.kube.Annotations;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.KubeEdits;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.validate.EnvoyValidator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The optional stdout access log: off unless the pod's annotation, the node's metadata or the
 * server's default says so, in that order; when on, on every chain the sidecar gets.
 */
class AccessLogTest {

  private static final KubeObjects DEMO_OBJECTS = Meshes.objects(Meshes.demoDir());
  private static final MeshState DEMO = MeshStateBuilder.build(DEMO_OBJECTS);
  private static final String STDOUT_TYPE =
      "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";

  /** Every operator the JSON lines use; anything else with a % would be a bug. */
  private static final Set<String> TCP_OPERATORS =
      Set.of(
          "%START_TIME%",
          "%FILTER_CHAIN_NAME%",
          "%DOWNSTREAM_REMOTE_ADDRESS%",
          "%DOWNSTREAM_LOCAL_ADDRESS%",
          "%UPSTREAM_CLUSTER%",
          "%UPSTREAM_HOST%",
          "%UPSTREAM_LOCAL_ADDRESS%",
          "%BYTES_RECEIVED%",
          "%BYTES_SENT%",
          "%DURATION%",
          "%RESPONSE_FLAGS%",
          "%CONNECTION_TERMINATION_DETAILS%");

  private static final Set<String> HTTP_ONLY_OPERATORS =
      Set.of(
          "%REQ(:METHOD)%",
          "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
          "%REQ(:AUTHORITY)%",
          "%PROTOCOL%",
          "%RESPONSE_CODE%",
          "%RESPONSE_CODE_DETAILS%");

  /** A filter's access logs, with whether the filter is an HTTP connection manager. */
  private record Logged(String listener, FilterChain chain, boolean http, List<AccessLog> logs) {}

  private static KubeObjects annotated(KubeObjects objects, String pod, String value) {
    return KubeEdits.editPod(
        objects,
        "telco",
        pod,
        p -> p.editMetadata().addToAnnotations(Annotations.ACCESS_LOG, value).endMetadata());
  }

  private static ProxyNode node(MeshState mesh, String pod, Map<String, String> metadata) {
    Workload workload = mesh.workload(new NamespacedName("telco", pod)).orElseThrow();
    return Nodes.sidecar(pod, "telco", workload.clusterIps().get(0).address(), metadata);
  }

  /** Every network filter of every listener chain, with its access logs. */
  private static List<Logged> filters(ProxyResources resources) {
    List<Logged> all = new ArrayList<>();
    for (Listener listener : resources.listeners().all()) {
      for (FilterChain chain : listener.getFilterChainsList()) {
        for (Filter filter : chain.getFiltersList()) {
          all.add(logged(listener.getName(), chain, filter));
        }
      }
    }
    return all;
  }

  private static Logged logged(String listener, FilterChain chain, Filter filter) {
    try {
      Any config = filter.getTypedConfig();
      if (filter.getName().equals(NetworkFilters.TCP_PROXY)) {
        return new Logged(listener, chain, false, config.unpack(TcpProxy.class).getAccessLogList());
      }
      assertThat(filter.getName()).isEqualTo(NetworkFilters.HTTP_CONNECTION_MANAGER);
      return new Logged(
          listener, chain, true, config.unpack(HttpConnectionManager.class).getAccessLogList());
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, Value> format(AccessLog log) {
    assertThat(log.getName()).isEqualTo(AccessLogs.STDOUT_LOGGER);
    assertThat(log.getTypedConfig().getTypeUrl()).isEqualTo(STDOUT_TYPE);
    try {
      StdoutAccessLog stdout = log.getTypedConfig().unpack(StdoutAccessLog.class);
      return stdout.getLogFormat().getJsonFormat().getFieldsMap();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static String field(AccessLog log, String key) {
    Value value = format(log).get(key);
    return value == null ? null : value.getStringValue();
  }

  private static boolean anyLog(ProxyResources resources) {
    return filters(resources).stream().anyMatch(l -> !l.logs().isEmpty());
  }

  private static void assertEveryChainLogs(ProxyResources resources) {
    List<Logged> filters = filters(resources);
    assertThat(filters).isNotEmpty();
    for (Logged filter : filters) {
      assertThat(filter.logs())
          .as("%s chain %s", filter.listener(), filter.chain().getName())
          .hasSize(1);
      Map<String, Value> format = format(filter.logs().get(0));
      Set<String> operators = new HashSet<>(TCP_OPERATORS);
      if (filter.http()) {
        operators.addAll(HTTP_ONLY_OPERATORS);
      }
      List<String> values = format.values().stream().map(Value::getStringValue).toList();
      assertThat(values).containsAll(operators);
      assertThat(values.stream().filter(v -> v.contains("%")))
          .containsExactlyInAnyOrderElementsOf(operators);
    }
  }

  @Test
  void offByDefaultForEveryProxyOfTheDemo() {
    MeshTranslation translation = Translator.prepare(DEMO);
    for (Workload workload : DEMO.workloads().values()) {
      if (workload.clusterIps().isEmpty()) {
        continue;
      }
      ProxyResources resources = translation.forProxy(node(DEMO, workload.name(), Map.of()));
      assertThat(anyLog(resources)).as(workload.name()).isFalse();
    }
    assertThat(anyLog(translation.forProxy(Nodes.sidecar("ghost", "telco", "10.0.0.9", Map.of()))))
        .isFalse();
  }

  @Test
  void annotatedPodLogsOnEveryInboundChainWithItsInterfaceAndNetwork() {
    MeshState mesh = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", "true"));
    ProxyResources amf = Translator.prepare(mesh).forProxy(node(mesh, "amf-0", Map.of()));
    assertEveryChainLogs(amf);

    Listener inbound = amf.listeners().get(Names.VIRTUAL_INBOUND).orElseThrow();
    int pinned = 0;
    for (FilterChain chain : inbound.getFilterChainsList()) {
      AccessLog log = logged(Names.VIRTUAL_INBOUND, chain, chain.getFilters(0)).logs().get(0);
      assertThat(field(log, "direction")).isEqualTo("inbound");
      Struct own = chain.getMetadata().getFilterMetadataOrDefault(Names.METADATA_NAMESPACE, null);
      if (own != null) {
        pinned++;
        assertThat(field(log, "interface"))
            .isEqualTo(own.getFieldsOrThrow("interface").getStringValue());
        assertThat(field(log, "network"))
            .isEqualTo(own.getFieldsOrThrow("network").getStringValue());
        assertThat(field(log, "port"))
            .isEqualTo(
                Integer.toString(chain.getFilterChainMatch().getDestinationPort().getValue()));
      } else {
        // amf-0 has secondary interfaces: unpinned chains cannot say which one was used.
        assertThat(format(log)).doesNotContainKeys("interface", "network");
      }
    }
    assertThat(pinned).isGreaterThan(0);
    // Both kinds of chain are there: amf's HTTP/2 SBI port and its TCP ports.
    assertThat(filters(amf).stream().filter(l -> l.listener().equals(Names.VIRTUAL_INBOUND)))
        .extracting(Logged::http)
        .contains(true, false);
    assertThat(
            inbound.getFilterChainsList().stream()
                .map(c -> field(logged("", c, c.getFilters(0)).logs().get(0), "network")))
        .contains("telco/signaling", "telco/ran", "default");
  }

  @Test
  void podWithOnlyTheClusterNetworkNamesItsDefaultInterface() {
    MeshState mesh = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "db-0", "true"));
    assertThat(mesh.workload(new NamespacedName("telco", "db-0")).orElseThrow())
        .matches(w -> !w.hasSecondaryInterfaces());
    ProxyResources db = Translator.prepare(mesh).forProxy(node(mesh, "db-0", Map.of()));
    assertEveryChainLogs(db);
    FilterChain cql =
        db.listeners().get(Names.VIRTUAL_INBOUND).orElseThrow().getFilterChainsList().stream()
            .filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == 9042)
            .findFirst()
            .orElseThrow();
    AccessLog log = logged("", cql, cql.getFilters(0)).logs().get(0);
    assertThat(field(log, "interface")).isEqualTo("eth0");
    assertThat(field(log, "network")).isEqualTo("default");
    assertThat(field(log, "port")).isEqualTo("9042");
  }

  @Test
  void otherPodsKeepTheirConfigAndTheSharedOutboundWithoutLogs() {
    MeshState mesh = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", "true"));
    MeshTranslation translation = Translator.prepare(mesh);
    ProxyResources smf = translation.forProxy(node(mesh, "smf-0", Map.of()));
    assertThat(anyLog(smf)).isFalse();
    assertThat(smf.listeners().all())
        .isEqualTo(
            Translator.prepare(DEMO).forProxy(node(DEMO, "smf-0", Map.of())).listeners().all());

    // Pods with logs on share one outbound variant, built once; others share the plain one.
    ProxyResources amf = translation.forProxy(node(mesh, "amf-0", Map.of()));
    ProxyResources hss =
        translation.forProxy(node(mesh, "hss-0", Map.of("TELMESH_ACCESS_LOG", "true")));
    assertThat(amf.listeners().segments().get(0)).isSameAs(hss.listeners().segments().get(0));
    assertThat(smf.listeners().segments().get(0))
        .isSameAs(translation.outbound(Optional.empty()).listeners())
        .isNotSameAs(amf.listeners().segments().get(0));
  }

  @Test
  void sharedOutboundListenersNameTheServicesNetworkAndPort() {
    MeshState mesh = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", "true"));
    ProxyResources amf = Translator.prepare(mesh).forProxy(node(mesh, "amf-0", Map.of()));
    List<Logged> outbound =
        filters(amf).stream()
            .filter(
                l ->
                    !l.listener().equals(Names.VIRTUAL_INBOUND)
                        && !l.listener().equals(Names.VIRTUAL_OUTBOUND))
            .toList();
    assertThat(outbound).isNotEmpty();
    for (Logged filter : outbound) {
      AccessLog log = filter.logs().get(0);
      assertThat(field(log, "direction")).isEqualTo("outbound");
      assertThat(format(log)).doesNotContainKey("interface");
      String port = filter.listener().substring(filter.listener().lastIndexOf('_') + 1);
      assertThat(field(log, "port")).as(filter.listener()).isEqualTo(port);
    }
    assertThat(outbound).extracting(l -> field(l.logs().get(0), "network")).contains("default");
  }

  @Test
  void nodeMetadataSwitchesItAndThePodsAnnotationWins() {
    MeshTranslation plain = Translator.prepare(DEMO);
    assertThat(anyLog(plain.forProxy(node(DEMO, "amf-0", Map.of("TELMESH_ACCESS_LOG", "true")))))
        .isTrue();
    assertThat(anyLog(plain.forProxy(node(DEMO, "amf-0", Map.of("TELMESH_ACCESS_LOG", "TRUE")))))
        .isTrue();
    assertThat(anyLog(plain.forProxy(node(DEMO, "amf-0", Map.of("TELMESH_ACCESS_LOG", "no")))))
        .isFalse();

    MeshState on = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", "true"));
    assertThat(
            anyLog(
                Translator.prepare(on)
                    .forProxy(node(on, "amf-0", Map.of("TELMESH_ACCESS_LOG", "false")))))
        .isTrue();
    MeshState off = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", "false"));
    assertThat(
            anyLog(
                Translator.prepare(off, new TranslationSettings(true))
                    .forProxy(node(off, "amf-0", Map.of("TELMESH_ACCESS_LOG", "true")))))
        .isFalse();
  }

  @Test
  void theServerDefaultAppliesWhenNeitherPodNorNodeChooses() {
    MeshTranslation on = Translator.prepare(DEMO, new TranslationSettings(true));
    assertEveryChainLogs(on.forProxy(node(DEMO, "smf-0", Map.of())));
    assertThat(anyLog(on.forProxy(node(DEMO, "smf-0", Map.of("TELMESH_ACCESS_LOG", "false")))))
        .isFalse();
    // A proxy whose pod is unknown gets passthrough chains, logged too.
    ProxyResources ghost = on.forProxy(Nodes.sidecar("ghost", "telco", "10.0.0.9", Map.of()));
    assertEveryChainLogs(ghost);
    // The next generation keeps the setting.
    assertThat(Translator.prepare(DEMO, on).settings().accessLogDefault()).isTrue();
  }

  @Test
  void anInvalidAnnotationIsAProblemAndTheDefaultApplies() throws Exception {
    String hostile = "yes%START_TIME%\"}";
    MeshState mesh = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", hostile));
    assertThat(mesh.problems())
        .filteredOn(p -> p.field().equals("metadata.annotations[telmesh.io/access-log]"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.kind()).isEqualTo("Pod");
              assertThat(p.namespace()).isEqualTo("telco");
              assertThat(p.name()).isEqualTo("amf-0");
              assertThat(p.reason()).contains("is not true or false");
            });
    assertThat(mesh.workload(new NamespacedName("telco", "amf-0")).orElseThrow().accessLog())
        .isEmpty();
    assertThat(anyLog(Translator.prepare(mesh).forProxy(node(mesh, "amf-0", Map.of())))).isFalse();
    ProxyResources defaultOn =
        Translator.prepare(mesh, new TranslationSettings(true))
            .forProxy(node(mesh, "amf-0", Map.of()));
    assertEveryChainLogs(defaultOn);
    assertThat(printed(defaultOn)).doesNotContain("yes%START_TIME%");
  }

  @Test
  void literalsCannotSmuggleCommandOperatorsIntoTheFormat() {
    AccessLogs.Chain chain =
        AccessLogs.Chain.inbound().on("net1", "telco/x%REQ(AUTHORIZATION)%\"\n").port(8080);
    Map<String, Value> format = format(AccessLogs.http(chain));
    assertThat(format.get("network").getStringValue()).isEqualTo("telco/x_REQ_AUTHORIZATION____");
    Pattern operator = Pattern.compile("%[^%]*%");
    for (Value value : format.values()) {
      Matcher m = operator.matcher(value.getStringValue());
      while (m.find()) {
        assertThat(m.group()).isIn(union(TCP_OPERATORS, HTTP_ONLY_OPERATORS));
      }
    }
  }

  @Test
  void loggedResourcesPassEnvoysRulesAndPrintAsJson() throws Exception {
    MeshState mesh = MeshStateBuilder.build(annotated(DEMO_OBJECTS, "amf-0", "true"));
    ProxyResources amf = Translator.prepare(mesh).forProxy(node(mesh, "amf-0", Map.of()));
    assertThat(EnvoyValidator.create().validate(amf)).isEmpty();
    String json = printed(amf);
    assertThat(json)
        .contains("\"@type\": \"" + STDOUT_TYPE + "\"")
        .contains("\"json_format\"")
        .contains("%FILTER_CHAIN_NAME%");
    // A format Envoy would reject (no format at all) is caught by the validator.
    Listener broken =
        amf.listeners().get(Names.VIRTUAL_OUTBOUND).orElseThrow().toBuilder()
            .setFilterChains(
                0,
                amf
                    .listeners()
                    .get(Names.VIRTUAL_OUTBOUND)
                    .orElseThrow()
                    .getFilterChains(0)
                    .toBuilder()
                    .setFilters(
                        0,
                        Filter.newBuilder()
                            .setName(NetworkFilters.TCP_PROXY)
                            .setTypedConfig(
                                Any.pack(
                                    TcpProxy.newBuilder()
                                        .setStatPrefix("x")
                                        .setCluster("x")
                                        .addAccessLog(
                                            AccessLog.newBuilder()
                                                .setName(AccessLogs.STDOUT_LOGGER)
                                                .setTypedConfig(
                                                    Any.pack(
                                                        StdoutAccessLog.newBuilder()
                                                            .setLogFormat(
                                                                SubstitutionFormatString
                                                                    .getDefaultInstance())
                                                            .build())))
                                        .build()))))
            .build();
    assertThat(EnvoyValidator.create().constraints(broken)).isNotEmpty();
  }

  @Test
  void anIncrementalTranslationEqualsAFreshOne() {
    KubeObjects objects = annotated(DEMO_OBJECTS, "amf-0", "true");
    MeshState first = MeshStateBuilder.build(objects);
    MeshTranslation previous = Translator.prepare(first);
    previous.forProxy(node(first, "amf-0", Map.of()));
    MeshState next = MeshStateBuilder.build(annotated(objects, "smf-0", "true"));
    MeshTranslation incremental = Translator.prepare(next, previous);
    MeshTranslation fresh = Translator.prepare(next);
    for (String pod : List.of("amf-0", "smf-0", "hss-0")) {
      assertThat(incremental.forProxy(node(next, pod, Map.of())).listeners().all())
          .as(pod)
          .isEqualTo(fresh.forProxy(node(next, pod, Map.of())).listeners().all());
    }
    assertEveryChainLogs(incremental.forProxy(node(next, "smf-0", Map.of())));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }

  private static String printed(ProxyResources resources) throws Exception {
    JsonFormat.Printer printer = EnvoyTypes.printer();
    StringBuilder out = new StringBuilder();
    for (Listener listener : resources.listeners().all()) {
      out.append(printer.print(listener));
    }
    return out.toString();
  }
}
