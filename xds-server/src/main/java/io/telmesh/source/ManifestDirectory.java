package io.telmesh.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.telmesh.kube.KubeObjects;
import io.telmesh.kube.ManifestParser;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Reads every {@code .yaml}, {@code .yml} and {@code .json} file below a directory (hidden files
 * and directories skipped), in path order, and remembers each file's last good contents: a file
 * that becomes unreadable, unparseable, empty, too big or too slow to parse keeps serving what it
 * last held without a single problem, until it is fixed or deleted; only a deletion or a clean new
 * content withdraws objects. A file whose size and modification time have not changed is not read
 * again. Not thread-safe: its source reads it from one thread at a time.
 */
public final class ManifestDirectory {

  private final Path root;
  private final ManifestLimits limits;
  private final ManifestParser parser;
  private final Clock clock;
  private final Map<Path, FileState> files = new HashMap<>();
  private final Map<List<String>, String> owners = new HashMap<>();

  /** What was last read from one file, and what it last held without a problem. */
  private record FileState(Stamp stamp, Reading reading, Reading lastGood, Instant goodSince) {}

  /** What tells a changed file from an unchanged one without reading it. */
  private record Stamp(long size, long modifiedNanos, Object fileKey) {}

  /** One read of one file: what it yields (or would, when clean) and its problems. */
  private record Reading(List<HasMetadata> objects, List<Problem> problems, boolean clean) {}

  public ManifestDirectory(Path root) {
    this(root, ManifestLimits.DEFAULT, Clock.systemUTC());
  }

  public ManifestDirectory(Path root, ManifestLimits limits, Clock clock) {
    this.root = root;
    this.limits = limits;
    this.parser = new ManifestParser(limits.parser());
    this.clock = clock;
  }

  public Path root() {
    return root;
  }

  /**
   * Reads every manifest below the root, each file as its last good contents when it is broken now;
   * every file's problem names the file.
   *
   * @throws SourceException when the directory itself cannot be listed
   */
  public KubeObjects read() throws SourceException {
    List<Path> paths = list();
    files.keySet().retainAll(paths);
    Map<String, List<HasMetadata>> served = new LinkedHashMap<>();
    List<Problem> problems = new ArrayList<>();
    long total = 0;
    for (Path path : paths) {
      String name = root.relativize(path).toString();
      FileState before = files.get(path);
      Stamp stamp;
      try {
        stamp = stamp(path);
      } catch (IOException e) {
        FileState kept = failed(before, null, problem(name, "", "cannot be read: " + describe(e)));
        files.put(path, kept);
        served.put(name, kept.reading().objects());
        problems.addAll(kept.reading().problems());
        continue;
      }
      if (stamp.size() <= limits.maxFileBytes()) {
        total += stamp.size();
      }
      FileState now;
      if (before != null && before.stamp().equals(stamp)) {
        now = before;
      } else if (stamp.size() > limits.maxFileBytes()) {
        now =
            failed(
                before,
                stamp,
                problem(
                    name,
                    "",
                    "is "
                        + stamp.size()
                        + " bytes, over the limit of "
                        + limits.maxFileBytes()
                        + " per file (serve --max-manifest-file-size); not read"));
      } else if (total > limits.maxTotalBytes()) {
        now =
            failed(
                before,
                stamp,
                problem(
                    name,
                    "",
                    "not read: the manifests up to it add up to "
                        + total
                        + " bytes, over the limit of "
                        + limits.maxTotalBytes()
                        + " (serve --max-manifest-total-size)"));
      } else {
        now = parsed(before, stamp, name, path);
      }
      files.put(path, now);
      served.put(name, now.reading().objects());
      problems.addAll(now.reading().problems());
    }
    return ManifestParser.toKubeObjects(distinct(served, problems), problems);
  }

  private List<Path> list() throws SourceException {
    if (!Files.isDirectory(root)) {
      throw new SourceException(
          "manifest directory " + root + " does not exist or is not a directory");
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(ManifestDirectory::isManifest)
          .filter(p -> !isHidden(root.relativize(p)))
          .sorted()
          .toList();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new SourceException("cannot list manifest directory " + root + ": " + e.getMessage());
    }
  }

  private static Stamp stamp(Path path) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
    return new Stamp(
        attributes.size(),
        attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
        attributes.fileKey());
  }

  private FileState parsed(FileState before, Stamp stamp, String name, Path path) {
    boolean hadGood = before != null && before.goodSince() != null;
    if (hadGood && stamp.size() > 0 && !endsWithLineBreak(path)) {
      // A write cut short mostly ends mid-line, and what is left often still parses (a Service
      // that lost its ports): kubectl and editors end a file with a line break, so a file that
      // has none is taken for one still being written or cut, not for new content.
      return failed(
          before,
          stamp,
          problem(
              name,
              "",
              "does not end with a line break: taken for a write cut short (add the final"
                  + " line break to a complete file)"));
    }
    ManifestParser.Parsed parsed;
    try (Reader reader =
        new GuardedReader(
            new InputStreamReader(
                Files.newInputStream(path),
                StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)),
            clock,
            limits.maxParseTime())) {
      parsed = parser.parse(name, reader);
    } catch (IOException e) {
      return failed(before, stamp, problem(name, "", "cannot be read: " + describe(e)));
    }
    boolean hadObjects = before != null && !before.lastGood().objects().isEmpty();
    if (parsed.documents() == 0 && parsed.clean() && hadObjects) {
      // A file truncated in place (an editor saving, "kubectl get -o yaml >" interrupted) is empty
      // for a moment: only deleting the file withdraws its objects.
      return failed(
          before, stamp, problem(name, "", "is empty; delete the file to withdraw its objects"));
    }
    if (!parsed.clean()) {
      return failed(
          before,
          stamp,
          parsed.problems(),
          parsed.objects().stream().filter(ManifestParser::isWatched).toList());
    }
    // Only what the mesh is built from is kept per file: a file of ConfigMaps costs nothing after.
    Reading reading =
        new Reading(
            parsed.objects().stream().filter(ManifestParser::isWatched).toList(), List.of(), true);
    return new FileState(stamp, reading, reading, clock.instant());
  }

  private FileState failed(FileState before, Stamp stamp, Problem problem) {
    return failed(before, stamp, List.of(problem), List.of());
  }

  /**
   * A file that is broken now: its last good contents when it had any (the problems say so), else
   * whatever part of it could be read.
   */
  private FileState failed(
      FileState before, Stamp stamp, List<Problem> problems, List<HasMetadata> readable) {
    if (before == null || !before.lastGood().clean() || before.goodSince() == null) {
      Reading reading = new Reading(readable, problems, false);
      return new FileState(stamp, reading, new Reading(List.of(), List.of(), false), null);
    }
    List<Problem> kept = new ArrayList<>(problems);
    Problem first = problems.get(0);
    kept.add(
        new Problem(
            first.kind(),
            first.namespace(),
            first.name(),
            "",
            "serving its last good contents ("
                + before.lastGood().objects().size()
                + " objects, read "
                + before.goodSince()
                + ") until it is fixed or deleted"));
    return new FileState(
        stamp,
        new Reading(before.lastGood().objects(), kept, false),
        before.lastGood(),
        before.goodSince());
  }

  /**
   * One object per API version, kind, namespace and name: a definition in a second file is a
   * problem naming both files. The file that served it before keeps serving it (adding a duplicate
   * never moves an object); among new ones the first in path order wins.
   */
  private List<HasMetadata> distinct(
      Map<String, List<HasMetadata>> byFile, List<Problem> problems) {
    Map<List<String>, List<String>> definedIn = new LinkedHashMap<>();
    byFile.forEach(
        (file, objects) -> {
          for (HasMetadata object : objects) {
            List<String> where = definedIn.computeIfAbsent(key(object), k -> new ArrayList<>());
            if (!where.contains(file)) {
              where.add(file);
            }
          }
        });
    Map<List<String>, String> winners = new HashMap<>();
    definedIn.forEach(
        (key, where) -> {
          String previous = owners.get(key);
          String winner = where.contains(previous) ? previous : where.get(0);
          winners.put(key, winner);
          if (where.size() > 1) {
            problems.add(
                Problem.of(
                    new ObjectRef(key.get(1), key.get(2), key.get(3)),
                    "metadata.name",
                    "defined in "
                        + String.join(" and ", where)
                        + "; the definition in "
                        + winner
                        + (winner.equals(previous)
                            ? " (served before) is served"
                            : " (first in path order) is served")));
          }
        });
    owners.clear();
    owners.putAll(winners);
    List<HasMetadata> objects = new ArrayList<>();
    byFile.forEach(
        (file, fileObjects) -> {
          for (HasMetadata object : fileObjects) {
            // Twice in one file: the translator reports it, as for any source.
            if (winners.get(key(object)).equals(file)) {
              objects.add(object);
            }
          }
        });
    return objects;
  }

  private static List<String> key(HasMetadata object) {
    String namespace =
        object.getMetadata() == null
            ? ""
            : Objects.requireNonNullElse(object.getMetadata().getNamespace(), "");
    String name =
        object.getMetadata() == null
            ? ""
            : Objects.requireNonNullElse(object.getMetadata().getName(), "");
    return List.of(
        Objects.requireNonNullElse(object.getApiVersion(), ""),
        Objects.requireNonNullElse(object.getKind(), ""),
        namespace,
        name);
  }

  private static boolean endsWithLineBreak(Path path) {
    try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(path)) {
      if (channel.size() == 0) {
        return true;
      }
      java.nio.ByteBuffer last = java.nio.ByteBuffer.allocate(1);
      channel.position(channel.size() - 1).read(last);
      return last.get(0) == '\n';
    } catch (IOException e) {
      return true; // the parse that follows reports what is wrong with reading it
    }
  }

  /** An I/O failure in words, without Java's class names. */
  static String describe(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "it no longer exists";
    }
    return e.getMessage() == null ? "I/O error" : e.getMessage();
  }

  private static Problem problem(String file, String field, String message) {
    return Problem.of(new ObjectRef("Manifest", "", file), field, message);
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
