package io.telmesh.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.ManifestParser;
import io.telmesh.model.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The demo mesh packed into the jar ({@code examples/telco}), read in the order its {@code
 * kustomization.yaml} lists.
 */
public final class BundledDemo {

  private static final String BASE = "demo/telco/";

  private BundledDemo() {}

  public static KubeObjects read() {
    ManifestParser parser = new ManifestParser();
    List<HasMetadata> objects = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (String file : files()) {
      ManifestParser.Parsed parsed = parser.parse("bundled demo " + file, resource(file));
      objects.addAll(parsed.objects());
      problems.addAll(parsed.problems());
    }
    return ManifestParser.toKubeObjects(objects, problems);
  }

  static List<String> files() {
    JsonNode kustomization = YAMLMapper.builder().build().readTree(resource("kustomization.yaml"));
    List<String> files = new ArrayList<>();
    kustomization.path("resources").values().forEach(n -> files.add(n.asString()));
    return files;
  }

  private static String resource(String file) {
    try (InputStream in = BundledDemo.class.getClassLoader().getResourceAsStream(BASE + file)) {
      if (in == null) {
        throw new IllegalStateException("bundled demo file " + file + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
