package io.telmesh.proxyless;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.envoy.Names;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import io.telmesh.testing.ProxylessRules;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import io.telmesh.validate.EnvoyValidator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Everything telmesh sends a proxyless gRPC node passes the rules grpc-go and grpc-java enforce
 * ({@link ProxylessRules}) and Envoy's own constraints, for the demo, the edge-case mesh and a
 * generated mesh: clients in every namespace and in none, and every pod as a proxyless server.
 */
class ProxylessConformanceTest {

  private static final MeshGenerator.Shape GENERATED = new MeshGenerator.Shape(40, 80, 3, 3);

  static Stream<Arguments> meshes() {
    return Stream.of(
        Arguments.of("telco", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.demoDir())),
        Arguments.of(
            "edge", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.testMeshDir("edge"))),
        Arguments.of("generated", (Supplier<KubeObjects>) () -> MeshGenerator.generate(GENERATED)));
  }

  private static List<ProxyNode> proxylessNodes(MeshState mesh) {
    Set<String> namespaces = new TreeSet<>(List.of("default"));
    mesh.services().keySet().forEach(k -> namespaces.add(k.namespace()));
    List<ProxyNode> nodes = new ArrayList<>();
    namespaces.forEach(ns -> nodes.add(Nodes.grpc("client", ns)));
    for (Workload workload : mesh.workloads().values()) {
      nodes.add(Nodes.grpc(workload.name(), workload.namespace()));
    }
    return nodes;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("meshes")
  void everythingSentToProxylessNodesPassesTheGrpcRules(
      String name, Supplier<KubeObjects> objects) {
    MeshState mesh = MeshStateBuilder.build(objects.get());
    MeshTranslation translation = Translator.prepare(mesh);
    EnvoyValidator envoy = EnvoyValidator.create();
    List<String> failures = new ArrayList<>();
    int serverListeners = 0;
    int shortNames = 0;
    for (ProxyNode node : proxylessNodes(mesh)) {
      ProxyResources resources = translation.forProxy(node);
      ProxylessRules.check(resources).forEach(v -> failures.add(node.id() + ": " + v.describe()));
      envoy.validate(resources).forEach(v -> failures.add(node.id() + ": " + v.describe()));
      for (String listener : resources.listeners().byName().keySet()) {
        if (listener.startsWith(Names.GRPC_SERVER_LISTENER_PREFIX)) {
          serverListeners++;
        } else if (!listener.substring(0, listener.lastIndexOf(':')).contains(".")) {
          shortNames++;
        }
      }
    }
    assertThat(failures).as("violations in mesh %s", name).isEmpty();
    assertThat(serverListeners).as("server listeners checked in %s", name).isPositive();
    assertThat(shortNames).as("short-name listeners checked in %s", name).isPositive();
  }
}
