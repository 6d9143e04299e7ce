package io.telmesh.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Everything the translator emits for the demo, the edge-case mesh and a generated mesh passes both
 * Envoy's proto constraints and the cross-resource rules, for every kind of proxy.
 */
class EmittedResourcesAreValidTest {

  private static final MeshGenerator.Shape GENERATED = new MeshGenerator.Shape(40, 80, 3, 3);

  static Stream<Arguments> meshes() {
    return Stream.of(
        Arguments.of("telco", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.demoDir())),
        Arguments.of(
            "edge", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.testMeshDir("edge"))),
        Arguments.of("generated", (Supplier<KubeObjects>) () -> MeshGenerator.generate(GENERATED)));
  }

  static List<ProxyNode> nodes(MeshState mesh) {
    List<ProxyNode> nodes = new ArrayList<>();
    for (Workload w : mesh.workloads().values()) {
      String ip = w.clusterIps().isEmpty() ? "10.0.0.1" : w.clusterIps().get(0).address();
      nodes.add(Nodes.sidecar(w.name(), w.namespace(), ip, Map.of()));
      nodes.add(
          Nodes.sidecar(
              w.name(),
              w.namespace(),
              ip,
              Map.of("INTERCEPTION_MODE", "TPROXY", "IDLE_TIMEOUT", "30s")));
      nodes.add(
          Nodes.sidecar(
              w.name(),
              w.namespace(),
              ip,
              Map.of("INTERCEPTION_MODE", "NONE", "IDLE_TIMEOUT", "0s")));
      // Access logs on: every chain, inbound and the shared outbound variant with logs.
      nodes.add(
          Nodes.sidecar(
              w.name(),
              w.namespace(),
              ip,
              Map.of("TELMESH_ACCESS_LOG", "true", "IDLE_TIMEOUT", "30s")));
    }
    nodes.add(Nodes.grpc("client", "default"));
    // Proxyless gRPC servers in every pod (server listeners), and clients with short names.
    for (Workload w : mesh.workloads().values()) {
      nodes.add(Nodes.grpc(w.name(), w.namespace()));
    }
    nodes.add(Nodes.sidecar("unknown", "nowhere", "10.0.0.9", Map.of()));
    nodes.add(
        Nodes.sidecar("unknown6", "nowhere", "fd00::9", Map.of("INTERCEPTION_MODE", "TPROXY")));
    nodes.add(
        Nodes.sidecar(
            "unknown-logged", "nowhere", "10.0.0.8", Map.of("TELMESH_ACCESS_LOG", "true")));
    return nodes;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void everyProxysResourcesPassBothValidators(String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    EnvoyValidator validator = EnvoyValidator.create();
    List<String> failures = new ArrayList<>();
    for (ProxyNode node : nodes(mesh)) {
      ProxyResources resources = translation.forProxy(node);
      validator.validate(resources).forEach(v -> failures.add(node.id() + ": " + v.describe()));
    }
    assertThat(failures).as("violations in mesh %s", name).isEmpty();
  }
}
