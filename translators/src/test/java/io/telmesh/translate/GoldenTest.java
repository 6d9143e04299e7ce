package io.telmesh.translate;

import io.telmesh.envoy.ConfigDumps.Kind;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import io.telmesh.model.UntouchedPort;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.Goldens;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The full config of every pod of the demo and the test meshes, as Envoy config dumps. Regenerate
 * with {@code mvn -pl translators test -Dgolden.update=true} and review the diff.
 */
class GoldenTest {

  private static final Map<String, MeshState> MESHES =
      Map.of(
          "telco", Meshes.demo(),
          "edge", Meshes.load(Meshes.testMeshDir("edge")),
          "istio", istio());

  /** The demo with one Istio object of each field group telmesh applies. */
  private static MeshState istio() {
    try {
      return Meshes.demoWith(
          java.nio.file.Files.readString(
              Meshes.testMeshDir("istio-objects").resolve("istio.yaml")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Path golden(String mesh, String file) {
    return Meshes.repoRoot()
        .resolve("translators/src/test/resources/golden")
        .resolve(mesh)
        .resolve(file);
  }

  static Stream<Arguments> pods() {
    return MESHES.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .flatMap(
            e -> e.getValue().workloads().keySet().stream().map(k -> Arguments.of(e.getKey(), k)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pods")
  void sidecarConfig(String mesh, NamespacedName pod) throws Exception {
    MeshState state = MESHES.get(mesh);
    ProxyResources resources = Translator.prepare(state).forProxy(Nodes.forWorkload(state, pod));
    String json =
        EnvoyTypes.printer().print(ProxyDump.of(resources, EnumSet.allOf(Kind.class))) + "\n";
    Goldens.assertMatches(golden(mesh, pod.namespace() + "." + pod.name() + ".json"), json);
  }

  @ParameterizedTest
  @ValueSource(strings = {"telco", "edge", "istio"})
  void proxylessGrpcConfig(String mesh) throws Exception {
    ProxyResources resources =
        Translator.prepare(MESHES.get(mesh)).forProxy(Nodes.grpc("client", "default"));
    String json =
        EnvoyTypes.printer().print(ProxyDump.of(resources, EnumSet.allOf(Kind.class))) + "\n";
    Goldens.assertMatches(golden(mesh, "proxyless-grpc.json"), json);
  }

  /**
   * A pod of the mesh as a proxyless gRPC node: its server listeners, every client listener, and
   * the short names of its namespace (listeners only; the rest is the client golden's).
   */
  @ParameterizedTest(name = "{0} {1}/{2}")
  @CsvSource({"telco, telco, amf-0", "edge, edge, hostile-0"})
  void proxylessGrpcServerListeners(String mesh, String namespace, String pod) throws Exception {
    ProxyResources resources =
        Translator.prepare(MESHES.get(mesh)).forProxy(Nodes.grpc(pod, namespace));
    String json =
        EnvoyTypes.printer().print(ProxyDump.of(resources, EnumSet.of(Kind.LISTENERS))) + "\n";
    Goldens.assertMatches(golden(mesh, "proxyless-grpc-server.json"), json);
  }

  @ParameterizedTest
  @ValueSource(strings = {"telco", "edge"})
  void unknownPodGetsPassthroughOnly(String mesh) throws Exception {
    ProxyResources resources =
        Translator.prepare(MESHES.get(mesh))
            .forProxy(Nodes.sidecar("not-yet-0", "telco", "10.99.0.1", Map.of()));
    String json =
        EnvoyTypes.printer().print(ProxyDump.of(resources, EnumSet.allOf(Kind.class))) + "\n";
    Goldens.assertMatches(golden(mesh, "unknown-pod.json"), json);
  }

  @ParameterizedTest
  @ValueSource(strings = {"telco", "edge"})
  void problemsAndUntouchedPorts(String mesh) {
    MeshTranslation translation = Translator.prepare(MESHES.get(mesh));
    StringBuilder text = new StringBuilder("# problems\n");
    translation.problems().stream()
        .map(Problem::describe)
        .forEach(line -> text.append(line).append('\n'));
    text.append("# untouched ports, per pod\n");
    for (NamespacedName pod : translation.mesh().workloads().keySet()) {
      List<UntouchedPort> untouched =
          translation.forProxy(Nodes.forWorkload(translation.mesh(), pod)).untouched();
      if (!untouched.isEmpty()) {
        text.append(pod)
            .append(":\n")
            .append(
                untouched.stream()
                    .map(u -> "  " + u.describe() + "\n")
                    .collect(Collectors.joining()));
      }
    }
    Goldens.assertMatches(golden(mesh, "problems.txt"), text.toString());
  }
}
