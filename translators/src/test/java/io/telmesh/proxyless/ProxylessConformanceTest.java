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

  /** smf's gRPC port with everything a VirtualService and DestinationRule can put on its routes. */
  private static final String ISTIO =
      """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: smf, namespace: telco}
      spec:
        host: smf
        subsets:
        - {name: v1, labels: {app: smf}}
        - {name: v2, labels: {app: smf, track: canary}}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: smf, namespace: telco}
      spec:
        hosts: [smf]
        http:
        - match:
          - uri: {prefix: /telco.Smf/}
            headers: {x-canary: {exact: "yes"}}
          - uri: {regex: "/telco\\.Smf/Create.*"}
          route: [{destination: {host: smf, subset: v2}}]
          timeout: 3s
          retries: {attempts: 2, perTryTimeout: 1s}
          fault: {abort: {httpStatus: 503, percentage: {value: 1}}}
          headers: {request: {set: {x-route: canary}}}
        - route:
          - {destination: {host: smf, subset: v1}, weight: 90}
          - {destination: {host: smf, subset: v2}, weight: 10}
      """;

  static Stream<Arguments> meshes() {
    return Stream.of(
        Arguments.of("telco", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.demoDir())),
        Arguments.of(
            "edge", (Supplier<KubeObjects>) () -> Meshes.objects(Meshes.testMeshDir("edge"))),
        Arguments.of("generated", (Supplier<KubeObjects>) () -> MeshGenerator.generate(GENERATED)),
        Arguments.of("istio", (Supplier<KubeObjects>) () -> Meshes.demoObjectsWith(ISTIO)));
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
