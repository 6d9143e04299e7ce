package io.telmesh.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.metrics.v3.TagSpecifier;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.SidecarIds;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.EnvoyStatNames;
import io.telmesh.testing.EnvoyTagExtraction;
import io.telmesh.testing.EnvoyTagExtraction.Extracted;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bootstrap's tag extraction applied with Envoy's semantics ({@link EnvoyTagExtraction}) to
 * every statistic telmesh's resources give a sidecar, for the demo and a generated mesh: the
 * interface, port, direction and Service become labels, the names left are Envoy's, and no two
 * statistics fall into one series.
 */
class StatsTagsTest {

  private static final EnvoyTagExtraction ENVOY = new EnvoyTagExtraction(StatsTags.tags());

  private static final Pattern TCP_INBOUND =
      Pattern.compile("^tcp\\.inbound\\|(\\d+)\\|([^|]*)\\|\\..*");
  private static final Pattern TCP_OUTBOUND =
      Pattern.compile("^tcp\\.outbound\\|(\\d+)\\|[^|]*\\|(.+)\\.\\w+$");
  private static final Pattern HTTP_INBOUND =
      Pattern.compile("^http\\.inbound_([^;]+)_(\\d+);\\..*");
  private static final Pattern CLUSTER_OUTBOUND =
      Pattern.compile("^cluster\\.outbound\\|(\\d+)\\|[^|]*\\|([^;]+);\\..*");

  static Stream<Arguments> meshes() {
    return Stream.of(
        Arguments.of("demo", Meshes.objects(Meshes.demoDir())),
        Arguments.of("edge", Meshes.objects(Meshes.testMeshDir("edge"))),
        Arguments.of("generated", MeshGenerator.generate(new MeshGenerator.Shape(40, 80, 3, 3))));
  }

  @Test
  void theNamesOfTheChainsBecomeLabelsOnEnvoysMetricNames() {
    assertThat(ENVOY.extract("tcp.inbound|3868|net1|.downstream_cx_total"))
        .isEqualTo(
            new Extracted(
                "tcp.downstream_cx_total",
                Map.of(
                    StatsTags.TCP_PREFIX, "inbound|3868|net1|",
                    StatsTags.DIRECTION, "inbound",
                    StatsTags.PORT, "3868",
                    StatsTags.INTERFACE, "net1")));
    assertThat(ENVOY.extract("tcp.outbound|9042||db.telco.svc.cluster.local.downstream_cx_total"))
        .isEqualTo(
            new Extracted(
                "tcp.downstream_cx_total",
                Map.of(
                    StatsTags.TCP_PREFIX, "outbound|9042||db.telco.svc.cluster.local",
                    StatsTags.DIRECTION, "outbound",
                    StatsTags.PORT, "9042",
                    StatsTags.SERVICE, "db.telco.svc.cluster.local")));
    assertThat(ENVOY.extract("http.inbound_net1_8080;.downstream_rq_2xx"))
        .isEqualTo(
            new Extracted(
                "http.downstream_rq_xx",
                Map.of(
                    StatsTags.HTTP_PREFIX, "inbound_net1_8080",
                    StatsTags.DIRECTION, "inbound",
                    StatsTags.PORT, "8080",
                    StatsTags.INTERFACE, "net1",
                    StatsTags.RESPONSE_CODE_CLASS, "2")));
    Extracted cluster =
        ENVOY.extract("cluster.outbound|3868||hss.telco.svc.cluster.local;.upstream_rq_503");
    assertThat(cluster.name()).isEqualTo("cluster.upstream_rq");
    assertThat(cluster.prometheusName()).isEqualTo("envoy_cluster_upstream_rq");
    assertThat(cluster.tags())
        .containsEntry(StatsTags.CLUSTER_NAME, "outbound|3868||hss.telco.svc.cluster.local")
        .containsEntry(StatsTags.SERVICE, "hss.telco.svc.cluster.local")
        .containsEntry(StatsTags.RESPONSE_CODE, "503");
    assertThat(ENVOY.extract("tcp.virtualOutbound-diameter-3868.downstream_cx_total").tags())
        .containsEntry(StatsTags.PORT, "3868")
        .containsEntry(StatsTags.TCP_PREFIX, "virtualOutbound-diameter-3868");
    assertThat(ENVOY.extract("listener.0.0.0.0_15006.downstream_cx_total"))
        .isEqualTo(
            new Extracted(
                "listener.downstream_cx_total",
                Map.of(StatsTags.LISTENER_ADDRESS, "0.0.0.0_15006")));
    assertThat(ENVOY.extract("cluster.BlackHoleCluster.upstream_cx_total"))
        .isEqualTo(
            new Extracted(
                "cluster.upstream_cx_total", Map.of(StatsTags.CLUSTER_NAME, "BlackHoleCluster")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void everyStatisticOfEveryProxyIsLabelledAndNoTwoCollapse(String label, KubeObjects objects)
      throws Exception {
    MeshState mesh = MeshStateBuilder.build(objects);
    MeshTranslation translation = Translator.prepare(mesh);
    int checked = 0;
    for (Workload workload : mesh.workloads().values()) {
      ProxyResources resources = translation.forProxy(SidecarIds.node(workload));
      Map<Extracted, String> series = new HashMap<>();
      for (String stat : EnvoyStatNames.of(resources)) {
        Extracted extracted = ENVOY.extract(stat);
        String other = series.put(extracted, stat);
        assertThat(other).as("%s: %s and %s are one series", workload.key(), other, stat).isNull();
        assertThat(extracted.name())
            .as("%s: what is left of %s is one of Envoy's names", workload.key(), stat)
            .isIn(EnvoyStatNames.extractedNames());
        expectLabels(stat, extracted);
        checked++;
      }
    }
    assertThat(checked).as("statistics checked").isGreaterThan(100);
  }

  /** What the stat name says, the labels must say. */
  private static void expectLabels(String stat, Extracted extracted) {
    Map<String, String> tags = extracted.tags();
    Matcher m;
    if ((m = TCP_INBOUND.matcher(stat)).matches()) {
      assertThat(tags).as(stat).containsEntry(StatsTags.DIRECTION, "inbound");
      assertThat(tags).as(stat).containsEntry(StatsTags.PORT, m.group(1));
      if (!m.group(2).isEmpty()) {
        assertThat(tags).as(stat).containsEntry(StatsTags.INTERFACE, m.group(2));
      } else {
        assertThat(tags).as(stat).doesNotContainKey(StatsTags.INTERFACE);
      }
    } else if ((m = TCP_OUTBOUND.matcher(stat)).matches()) {
      assertThat(tags)
          .as(stat)
          .containsEntry(StatsTags.DIRECTION, "outbound")
          .containsEntry(StatsTags.PORT, m.group(1))
          .containsEntry(StatsTags.SERVICE, m.group(2));
    } else if ((m = HTTP_INBOUND.matcher(stat)).matches()) {
      assertThat(tags)
          .as(stat)
          .containsEntry(StatsTags.DIRECTION, "inbound")
          .containsEntry(StatsTags.PORT, m.group(2));
      if (m.group(1).matches("[^._]+")) {
        assertThat(tags).as(stat).containsEntry(StatsTags.INTERFACE, m.group(1));
      } else {
        assertThat(tags).as(stat).doesNotContainKey(StatsTags.INTERFACE);
      }
    } else if ((m = CLUSTER_OUTBOUND.matcher(stat)).matches()) {
      assertThat(tags)
          .as(stat)
          .containsEntry(StatsTags.DIRECTION, "outbound")
          .containsEntry(StatsTags.PORT, m.group(1))
          .containsEntry(StatsTags.SERVICE, m.group(2));
    }
    if (stat.startsWith("tcp.")) {
      assertThat(tags).as(stat).containsKey(StatsTags.TCP_PREFIX);
    } else if (stat.startsWith("http.") || stat.matches("^listener\\.[^;]*\\.http\\..*")) {
      assertThat(tags).as(stat).containsKey(StatsTags.HTTP_PREFIX);
    } else if (stat.startsWith("cluster.")) {
      assertThat(tags).as(stat).containsKey(StatsTags.CLUSTER_NAME);
    }
    if (stat.startsWith("listener.")) {
      assertThat(tags).as(stat).containsKey(StatsTags.LISTENER_ADDRESS);
    }
  }

  @Test
  void everyRegexIsValidForEnvoyAndInTheCommonSubsetOfRe2AndEcmaScript() {
    for (TagSpecifier tag : StatsTags.tags()) {
      assertThat(tag.getRegex().getBytes(StandardCharsets.UTF_8).length)
          .as(tag.getTagName())
          .isLessThanOrEqualTo(1024);
      com.google.re2j.Pattern.compile(tag.getRegex());
      assertThat(Pattern.compile(tag.getRegex()).matcher("").groupCount())
          .as("%s needs a group to cut", tag.getRegex())
          .isBetween(1, 2);
      // ECMAScript has no possessive quantifiers, atomic groups or lookbehind; RE2 has no
      // lookaround or backreferences: none may appear.
      assertThat(tag.getRegex()).doesNotContain("(?<", "(?>", "(?=", "(?!", "*+", "++", "?+");
    }
    assertThat(StatsTags.config().getUseAllDefaultTags().getValue()).isFalse();
  }

  @Test
  void theEmulationFindsPrefixesAsEnvoyDoes() {
    // How extractRegexPrefix reads the regexes telmesh uses.
    List<String[]> cases =
        List.of(
            new String[] {"^tcp\\.((.+)\\.)\\w+$", "tcp"},
            new String[] {"^(?:tcp|cluster)\\.((inbound)\\|)", ""},
            new String[] {"_rq(_(\\d{3}))$", ""},
            new String[] {"^listener\\..*?\\.http\\.", "listener"});
    for (String[] c : cases) {
      assertThat(EnvoyTagExtraction.regexPrefix(c[0])).as(c[0]).isEqualTo(c[1]);
    }
  }
}
