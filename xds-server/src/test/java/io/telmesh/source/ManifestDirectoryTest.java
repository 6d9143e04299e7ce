package io.telmesh.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.telmesh.kube.KubeObjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest file that breaks keeps serving its last good contents, whatever broke it, until it is
 * fixed or deleted; limits bound what one directory can cost; a duplicate names both files.
 */
class ManifestDirectoryTest {

  @TempDir Path dir;

  private static String services(String... names) {
    return java.util.Arrays.stream(names)
        .map(
            name ->
                """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %s
                  namespace: telco
                spec:
                  clusterIP: 10.96.1.%d
                  ports:
                  - name: http
                    port: 8080
                """
                    .formatted(name, Math.abs(name.hashCode() % 250) + 1))
        .collect(Collectors.joining("---\n"));
  }

  private static List<String> serviceNames(KubeObjects objects) {
    return objects.services().stream().map(s -> s.getMetadata().getName()).sorted().toList();
  }

  private static List<String> problems(KubeObjects objects) {
    return objects.sourceProblems().stream()
        .map(p -> p.kind() + " " + p.name() + " " + p.field() + ": " + p.reason())
        .toList();
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  @Test
  void aFileTruncatedInPlaceKeepsItsLastGoodObjects() throws Exception {
    ManifestDirectory directory = new ManifestDirectory(dir);
    String full = services("amf", "smf", "hss");
    Path file = write("services.yaml", full);
    assertThat(serviceNames(directory.read())).containsExactly("amf", "hss", "smf");

    // Cut in the middle of the third document, as an interrupted "kubectl get -o yaml >" leaves it.
    write("services.yaml", full.substring(0, full.lastIndexOf("ports:") + 9) + "  - name: [\n");
    KubeObjects broken = directory.read();
    assertThat(serviceNames(broken)).containsExactly("amf", "hss", "smf");
    assertThat(problems(broken))
        .anyMatch(p -> p.startsWith("Manifest services.yaml document 3: broken YAML"))
        .anyMatch(p -> p.contains("serving its last good contents (3 objects"));

    Files.writeString(file, services("amf"));
    KubeObjects fixed = directory.read();
    assertThat(serviceNames(fixed)).as("clean new content withdraws").containsExactly("amf");
    assertThat(fixed.sourceProblems()).isEmpty();
  }

  @Test
  void aCutThatStillParsesIsTakenForOneByItsMissingFinalLineBreak() throws Exception {
    ManifestDirectory directory = new ManifestDirectory(dir);
    String full = services("amf", "smf");
    Path file = write("services.yaml", full);
    directory.read();
    // What is left is valid YAML: a Service without its ports.
    Files.writeString(file, full.substring(0, full.lastIndexOf("  ports:") - 1));
    KubeObjects cut = directory.read();
    assertThat(cut.services())
        .as("smf keeps its ports")
        .allSatisfy(s -> assertThat(s.getSpec().getPorts()).hasSize(1));
    assertThat(problems(cut))
        .anyMatch(p -> p.contains("does not end with a line break"))
        .anyMatch(p -> p.contains("serving its last good contents"));
    Files.writeString(file, full.substring(0, full.lastIndexOf("  ports:")));
    assertThat(directory.read().services())
        .as("a complete file, line break and all, is new content")
        .anySatisfy(s -> assertThat(s.getSpec().getPorts()).isEmpty());
  }

  @Test
  void garbageAnEmptyFileOrBytesThatAreNotUtf8KeepTheLastGoodObjects() throws Exception {
    ManifestDirectory directory = new ManifestDirectory(dir);
    Path file = write("services.yaml", services("amf", "smf"));
    directory.read();

    for (byte[] bad :
        List.of(
            "just some words, not YAML objects".getBytes(StandardCharsets.UTF_8),
            new byte[0],
            new byte[] {'a', 'p', 'i', (byte) 0xC3, (byte) 0x28, '\n'})) {
      Files.write(file, bad);
      KubeObjects read = directory.read();
      assertThat(serviceNames(read))
          .as(new String(bad, StandardCharsets.ISO_8859_1))
          .containsExactly("amf", "smf");
      assertThat(problems(read)).anyMatch(p -> p.contains("serving its last good contents"));
    }
    assertThat(problems(directory.read())).anyMatch(p -> p.contains("not UTF-8 text"));

    Files.delete(file);
    KubeObjects deleted = directory.read();
    assertThat(deleted.services()).as("only a deletion withdraws").isEmpty();
    assertThat(deleted.sourceProblems()).isEmpty();
  }

  @Test
  void aBrokenFileWithNoGoodPastServesWhatCanBeRead() throws Exception {
    write("services.yaml", services("amf") + "---\nkind: [\n");
    KubeObjects read = new ManifestDirectory(dir).read();
    assertThat(serviceNames(read)).containsExactly("amf");
    assertThat(problems(read)).singleElement().asString().contains("broken YAML");
  }

  @Test
  void filesOverTheLimitsAreNotReadAndTheProblemNamesTheLimitAndItsFlag() throws Exception {
    ManifestLimits limits = new ManifestLimits(4096, 4500, 3, Duration.ofSeconds(10));
    ManifestDirectory directory = new ManifestDirectory(dir, limits, Clock.systemUTC());
    write("a.yaml", services("amf"));
    write("b.yaml", services("smf"));
    assertThat(serviceNames(directory.read())).containsExactly("amf", "smf");

    write("a.yaml", services("amf") + "# " + "x".repeat(5000) + "\n");
    write("b.yaml", services("smf", "hss", "ocs", "upf"));
    KubeObjects read = directory.read();
    assertThat(serviceNames(read)).containsExactly("amf", "smf");
    assertThat(problems(read))
        .anyMatch(
            p ->
                p.startsWith("Manifest a.yaml")
                    && p.contains("over the limit of 4096")
                    && p.contains("--max-manifest-file-size"))
        .anyMatch(
            p -> p.startsWith("Manifest b.yaml document 4") && p.contains("more than 3 documents"));

    write("a.yaml", services("amf"));
    write("c.yaml", services("hss") + "# " + "y".repeat(3900) + "\n");
    KubeObjects total = directory.read();
    assertThat(problems(total))
        .anyMatch(p -> p.startsWith("Manifest c.yaml") && p.contains("--max-manifest-total-size"));
    assertThat(serviceNames(total)).doesNotContain("hss");
  }

  @Test
  void aFileThatParsesTooSlowlyIsAbandonedAndKeepsItsLastGoodObjects() throws Exception {
    // One huge plain scalar: the YAML reader's scanning of it is quadratic (a 20 MB one took
    // minutes of CPU).
    ManifestLimits limits = new ManifestLimits(16 << 20, 64 << 20, 10, Duration.ofMillis(300));
    ManifestDirectory directory = new ManifestDirectory(dir, limits, Clock.systemUTC());
    Path file = write("services.yaml", services("amf"));
    directory.read();
    Files.writeString(file, "x".repeat(6 << 20) + "\n", StandardCharsets.UTF_8);
    KubeObjects read = directory.read();
    assertThat(serviceNames(read)).containsExactly("amf");
    assertThat(problems(read))
        .anyMatch(
            p ->
                p.startsWith("Manifest services.yaml")
                    && p.contains("parsing took longer than 300 ms")
                    && p.contains("--max-manifest-parse-time"));
  }

  @Test
  void anObjectDefinedInTwoFilesNamesBothAndTheOneServedBeforeStays() throws Exception {
    ManifestDirectory directory = new ManifestDirectory(dir);
    write("b.yaml", services("amf"));
    directory.read();
    write(
        "a.yaml",
        services("amf").replace("port: 8080", "port: 9090")); // sorts first, arrives later
    KubeObjects read = directory.read();
    assertThat(read.services()).singleElement().satisfies(s -> assertThat(port(s)).isEqualTo(8080));
    assertThat(problems(read))
        .containsExactly(
            "Service amf metadata.name: defined in a.yaml and b.yaml; the definition in b.yaml"
                + " (served before) is served");

    KubeObjects fresh = new ManifestDirectory(dir).read();
    assertThat(fresh.services())
        .singleElement()
        .satisfies(s -> assertThat(port(s)).isEqualTo(9090));
    assertThat(problems(fresh)).singleElement().asString().contains("a.yaml (first in path order)");
  }

  @Test
  void aManyDocumentFileIsReadWithinItsDocumentLimit() throws Exception {
    String many =
        IntStream.range(0, 400)
            .mapToObj(i -> services("svc-" + i))
            .collect(Collectors.joining("---\n"));
    write("many.yaml", many);
    KubeObjects read = new ManifestDirectory(dir).read();
    assertThat(read.services()).hasSize(400);
    assertThat(read.sourceProblems()).isEmpty();
  }

  private static int port(Service service) {
    return service.getSpec().getPorts().get(0).getPort();
  }
}
