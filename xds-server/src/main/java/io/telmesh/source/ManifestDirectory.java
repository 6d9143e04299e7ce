package io.telmesh.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.ManifestParser;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads every {@code .yaml}, {@code .yml} and {@code .json} file below a directory (hidden files
 * and directories skipped), in path order. A file that cannot be read or parsed is a problem; the
 * other files are still served.
 */
public final class ManifestDirectory {

  private final Path root;
  private final ManifestParser parser = new ManifestParser();

  public ManifestDirectory(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /**
   * Reads every manifest below the root; a file that cannot be read or parsed is a problem.
   *
   * @throws SourceException when the directory itself cannot be listed
   */
  public KubeObjects read() throws SourceException {
    if (!Files.isDirectory(root)) {
      throw new SourceException(
          "manifest directory " + root + " does not exist or is not a directory");
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root)) {
      files =
          walk.filter(ManifestDirectory::isManifest)
              .filter(p -> !isHidden(root.relativize(p)))
              .sorted()
              .toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new SourceException("cannot list manifest directory " + root + ": " + e.getMessage());
    }
    List<HasMetadata> objects = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Path file : files) {
      String name = root.relativize(file).toString();
      try {
        ManifestParser.Parsed parsed =
            parser.parse(name, Files.readString(file, StandardCharsets.UTF_8));
        objects.addAll(parsed.objects());
        problems.addAll(parsed.problems());
      } catch (IOException | java.io.UncheckedIOException e) {
        problems.add(
            Problem.of(
                new ObjectRef("Manifest", "", name), "", "cannot be read: " + e.getMessage()));
      }
    }
    return ManifestParser.toKubeObjects(objects, problems);
  }

  static boolean isManifest(Path path) {
    String name = path.getFileName().toString();
    return Files.isRegularFile(path)
        && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
  }

  private static boolean isHidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
