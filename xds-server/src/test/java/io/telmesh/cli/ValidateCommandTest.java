package io.telmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.testing.Meshes;
import io.telmesh.translate.Translator;
import io.telmesh.validate.Violation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

  @Test
  void theBundledDemoIsValid() {
    CliRun run = CliRun.of("validate");
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    // 8 demo pods, the proxyless client and the unknown pod; dra-0's application-owned VF is a
    // problem worth printing, not a failure.
    assertThat(run.out().lines().toList())
        .anyMatch(l -> l.startsWith("problem: Pod telco/dra-0 metadata.annotations"))
        .anyMatch(
            l ->
                l.matches(
                    "validated 10 proxies \\(8 pods, plus 2 synthetic: a proxyless gRPC client and"
                        + " a sidecar whose pod is unknown; \\d+ resources\\): no violations"))
        .contains(
            "0 file(s), document(s) or object(s) not read; 1 other problem(s) in the mesh (not"
                + " failing: use --strict)");
    assertThat(CliRun.of("validate", "--strict").exitCode()).isEqualTo(1);
  }

  @Test
  void filesThatCannotBeReadAreNamedAndFailTheRun(@TempDir Path dir) throws IOException {
    for (Path file : Files.list(Meshes.testMeshDir("edge")).toList()) {
      Files.copy(file, dir.resolve(file.getFileName()));
    }
    Files.write(dir.resolve("binary.yaml"), new byte[] {0x7f, 'E', 'L', 'F', (byte) 0xff, 0, 1});
    Files.writeString(
        dir.resolve("truncated.yaml"), "apiVersion: v1\nkind: Service\nmetadata: {name: x");
    CliRun run = CliRun.of("validate", "--manifests", dir.toString());
    assertThat(run.exitCode()).as(run.out()).isEqualTo(1);
    assertThat(run.out().lines().toList())
        .anyMatch(l -> l.startsWith("not read: Manifest binary.yaml") && l.contains("not UTF-8"))
        .anyMatch(
            l -> l.startsWith("not read: Manifest truncated.yaml") && l.contains("broken YAML"))
        .anyMatch(l -> l.startsWith("2 file(s), document(s) or object(s) not read"));
    assertThat(run.out()).doesNotContain("Exception");
  }

  @Test
  void aManifestDirectoryIsValidated(@TempDir Path dir) throws IOException {
    for (Path file : Files.list(Meshes.testMeshDir("edge")).toList()) {
      Files.copy(file, dir.resolve(file.getFileName()));
    }
    CliRun run = CliRun.of("validate", "--manifests", dir.toString());
    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("no violations");
  }

  @Test
  void aMissingDirectoryIsAUserError(@TempDir Path dir) {
    CliRun run = CliRun.of("validate", "--manifests", dir.resolve("absent").toString());
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("does not exist");
  }

  /**
   * No manifest makes the translator emit something Envoy would refuse (that is the point of the
   * tests in translators), so the printing of violations is checked through the command's seam with
   * a validator that finds one.
   */
  @Test
  void violationsArePrintedOnePerLineAndFailTheRun() {
    var mesh = Meshes.demo();
    Violation broken =
        new Violation(
            "Listener",
            "virtualInbound",
            "filter_chains[2].filters[0].typed_config.stat_prefix",
            "string.min_len",
            "must be at least 1 characters long, is 0");
    StringWriter out = new StringWriter();
    List<ValidateCommand.Target> targets = ValidateCommand.targets(mesh);
    int code =
        ValidateCommand.run(
            Translator.prepare(mesh),
            targets.subList(0, 2),
            resources -> List.of(broken),
            new PrintWriter(out));
    assertThat(code).isEqualTo(1);
    assertThat(out.toString().lines().toList())
        .containsExactly(
            targets.get(0).label()
                + " Listener virtualInbound filter_chains[2].filters[0].typed_config.stat_prefix "
                + "[string.min_len]: must be at least 1 characters long, is 0",
            targets.get(1).label()
                + " Listener virtualInbound filter_chains[2].filters[0].typed_config.stat_prefix "
                + "[string.min_len]: must be at least 1 characters long, is 0",
            "2 violation(s) in 2 proxies (2 pods; "
                + out.toString().replaceAll("(?s).*pods; (\\d+) resources\\)\\s*$", "$1")
                + " resources)");
  }

  @Test
  void targetsCoverEveryPodAProxylessClientAndAnUnknownPod() {
    var mesh = Meshes.demo();
    List<String> labels =
        ValidateCommand.targets(mesh).stream().map(ValidateCommand.Target::label).toList();
    assertThat(labels)
        .hasSize(mesh.workloads().size() + 2)
        .contains("telco/amf-0", "telmesh-validate/proxyless-grpc", "telmesh-validate/unknown-pod");
    assertThat(
            ValidateCommand.targets(mesh)
                .get(labels.size() - 2)
                .node()
                .metadata()
                .isProxylessGrpc())
        .isTrue();
  }
}
