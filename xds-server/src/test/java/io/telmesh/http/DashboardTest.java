package io.telmesh.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.bootstrap.StatsTags;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.SidecarIds;
import io.telmesh.testing.EnvoyStatNames;
import io.telmesh.testing.EnvoyTagExtraction;
import io.telmesh.testing.Meshes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard (docs/grafana/telmesh-networks.json) asks only for series that exist: every
 * metric it names is one that the bootstrap's tag extraction gives a demo sidecar ({@link
 * EnvoyTagExtraction} over every statistic) or that telmesh exports, and every label it selects,
 * groups or joins on is on those series. Prometheus' Kubernetes pod discovery adds {@code
 * namespace} and {@code pod} to what it scrapes from a sidecar, as the dashboard says.
 */
class DashboardTest {

  private static final Set<String> SCRAPE_LABELS = Set.of("namespace", "pod");
  private static final Pattern METRIC = Pattern.compile("\\b((?:envoy|telmesh)_[a-z0-9_]+)\\b");
  private static final Pattern SELECTOR =
      Pattern.compile("\\b((?:envoy|telmesh)_[a-z0-9_]+)\\s*\\{([^}]*)}");
  private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(?:=~|!~|!=|=)");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|on|group_left|group_right)\\s*\\(([^)]*)\\)");

  @Test
  void everyMetricAndLabelTheDashboardUsesExists() throws Exception {
    Map<String, Set<String>> series = envoySeries();
    series.putAll(telmeshSeries());
    JsonNode dashboard =
        JsonMapper.builder()
            .build()
            .readTree(
                Meshes.repoRoot()
                    .resolve(Path.of("docs", "grafana", "telmesh-networks.json"))
                    .toFile());
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        expressions.add(target.path("expr").asString());
      }
    }
    assertThat(expressions).hasSizeGreaterThanOrEqualTo(5);
    for (String expr : expressions) {
      List<String> metrics = new ArrayList<>();
      Matcher metric = METRIC.matcher(expr);
      while (metric.find()) {
        metrics.add(metric.group(1));
      }
      assertThat(metrics).as(expr).isNotEmpty();
      assertThat(series.keySet()).as(expr).containsAll(metrics);
      Matcher selector = SELECTOR.matcher(expr);
      while (selector.find()) {
        Matcher label = MATCHER.matcher(selector.group(2));
        while (label.find()) {
          assertThat(series.get(selector.group(1)))
              .as("%s selects on %s", expr, label.group(1))
              .contains(label.group(1));
        }
      }
      Matcher grouping = GROUPING.matcher(expr);
      while (grouping.find()) {
        for (String label : grouping.group(2).split(",")) {
          String name = label.strip();
          if (grouping.group(1).equals("on")) {
            for (String m : metrics) {
              assertThat(series.get(m)).as("%s joins %s on %s", expr, m, name).contains(name);
            }
          } else {
            assertThat(metrics.stream().anyMatch(m -> series.get(m).contains(name)))
                .as("%s groups by %s", expr, name)
                .isTrue();
          }
        }
      }
    }
  }

  /** The Prometheus names and labels of every statistic of every demo sidecar. */
  private static Map<String, Set<String>> envoySeries() throws Exception {
    EnvoyTagExtraction envoy = new EnvoyTagExtraction(StatsTags.tags());
    MeshState mesh = MeshStateBuilder.build(Meshes.objects(Meshes.demoDir()));
    MeshTranslation translation = Translator.prepare(mesh);
    Map<String, Set<String>> series = new HashMap<>();
    for (Workload workload : mesh.workloads().values()) {
      for (String stat : EnvoyStatNames.of(translation.forProxy(SidecarIds.node(workload)))) {
        EnvoyTagExtraction.Extracted extracted = envoy.extract(stat);
        Set<String> labels =
            series.computeIfAbsent(extracted.prometheusName(), n -> new HashSet<>(SCRAPE_LABELS));
        extracted.tags().keySet().forEach(tag -> labels.add(tag.replaceAll("[^a-zA-Z0-9_]", "_")));
      }
    }
    return series;
  }

  /** What telmesh's monitoring port exports for the demo. */
  private static Map<String, Set<String>> telmeshSeries() {
    TelmeshMetrics metrics = new TelmeshMetrics(() -> 1, () -> 1);
    metrics.meshServed(MeshStateBuilder.build(Meshes.objects(Meshes.demoDir())));
    Map<String, Set<String>> series = new HashMap<>();
    Pattern line = Pattern.compile("^([a-z_]+)(?:\\{([^}]*)})? .*");
    for (String text : metrics.scrape().lines().toList()) {
      Matcher m = line.matcher(text);
      if (!text.startsWith("#") && m.matches()) {
        Set<String> labels = series.computeIfAbsent(m.group(1), n -> new HashSet<>());
        if (m.group(2) != null) {
          Matcher label = Pattern.compile("(\\w+)=\"").matcher(m.group(2));
          while (label.find()) {
            labels.add(label.group(1));
          }
        }
      }
    }
    metrics.close();
    return series;
  }
}
