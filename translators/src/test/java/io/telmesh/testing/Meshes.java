package io.telmesh.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.ManifestParser;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.Problem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Test meshes from YAML: the bundled demo and the test meshes under src/test/resources/meshes. */
public final class Meshes {

  private Meshes() {}

  /** The repository root, found from the module directory tests run in. */
  public static Path repoRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("examples/telco"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "examples/telco not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  public static Path demoDir() {
    return repoRoot().resolve("examples/telco");
  }

  public static Path testMeshDir(String name) {
    return repoRoot().resolve("translators/src/test/resources/meshes").resolve(name);
  }

  public static KubeObjects objects(Path dir) {
    ManifestParser parser = new ManifestParser();
    List<HasMetadata> objects = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        ManifestParser.Parsed parsed =
            parser.parse(
                file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
        objects.addAll(parsed.objects());
        problems.addAll(parsed.problems());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ManifestParser.toKubeObjects(objects, problems);
  }

  public static MeshState load(Path dir) {
    return MeshStateBuilder.build(objects(dir));
  }

  public static MeshState demo() {
    return load(demoDir());
  }

  /** The demo plus these manifests (Istio objects, say), as one manifest directory holds them. */
  public static MeshState demoWith(String yaml) {
    return MeshStateBuilder.build(demoObjectsWith(yaml));
  }

  /** The demo's objects plus these manifests. */
  public static KubeObjects demoObjectsWith(String yaml) {
    KubeObjects demo = objects(demoDir());
    ManifestParser.Parsed parsed = new ManifestParser().parse("extra.yaml", yaml);
    List<HasMetadata> all = new ArrayList<>(demo.services());
    all.addAll(demo.endpointSlices());
    all.addAll(demo.pods());
    all.addAll(demo.networkAttachments());
    all.addAll(parsed.objects());
    List<Problem> problems = new ArrayList<>(demo.sourceProblems());
    problems.addAll(parsed.problems());
    return ManifestParser.toKubeObjects(all, problems);
  }

  public static MeshState yaml(String yaml) {
    ManifestParser.Parsed parsed = new ManifestParser().parse("inline", yaml);
    return MeshStateBuilder.build(
        ManifestParser.toKubeObjects(parsed.objects(), parsed.problems()));
  }
}
