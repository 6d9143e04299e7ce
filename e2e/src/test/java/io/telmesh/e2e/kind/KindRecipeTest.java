package io.telmesh.e2e.kind;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.telmesh.cli.Main;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.kube.Annotations;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.node.NodeIdParser;
import io.telmesh.node.NodeMetadata;
import io.telmesh.node.ProxyNode;
import io.telmesh.source.KubernetesSource;
import io.telmesh.source.ManifestDirectory;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The kind recipe ({@code e2e/kind/}) cannot run here (no Docker), so it is checked statically:
 * every manifest under {@code e2e/kind/} and {@code examples/} parses strictly into fabric8's
 * model, telmesh's RBAC is exactly what its informers read, the scripts pass shellcheck, the
 * sidecars' bootstrap and capture come from the telmesh commands (run here, against the recipe's
 * own pods), and every Envoy stat the script asserts on is one telmesh's config for those pods has,
 * with the idle timeouts the script expects.
 */
class KindRecipeTest {

  private static final Path REPO = Path.of("").toAbsolutePath().getParent();
  private static final Path KIND = REPO.resolve("e2e/kind");
  private static final Path MANIFESTS = KIND.resolve("manifests");
  private static final String TELMESH_IMAGE = "telmesh:e2e";
  private static final String ENVOY_IMAGE = "envoyproxy/envoy:";
  private static final String POD_REF = "$(POD_NAMESPACE)/$(POD_NAME)";
  private static final Pattern BOOTSTRAP_LINE =
      Pattern.compile("exec telmesh (bootstrap [^>]*) > (\\S+)");

  /** Envoy config that someone wrote by hand would carry one of these. */
  private static final List<String> ENVOY_CONFIG_MARKERS =
      List.of(
          "static_resources",
          "dynamic_resources",
          "type.googleapis.com/envoy",
          "envoy.filters.",
          "filter_chains",
          "\"@type\"",
          "ads_config");

  private static List<StrictManifests.Parsed> parsed;

  @BeforeAll
  static void readAll() throws IOException {
    assertThat(REPO.resolve("pom.xml")).as("tests run from the e2e module").exists();
    parsed = new ArrayList<>();
    for (Path file : yamlFiles(KIND, REPO.resolve("examples"))) {
      for (StrictManifests.Document document : StrictManifests.documents(file)) {
        if (!isKubernetesObject(document)) {
          continue; // the kind config and kustomizations: checked by their own tests
        }
        parsed.add(StrictManifests.parse(document));
      }
    }
  }

  private static List<Path> yamlFiles(Path... roots) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path root : roots) {
      try (Stream<Path> walk = Files.walk(root)) {
        walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
            .sorted()
            .forEach(files::add);
      }
    }
    return files;
  }

  private static boolean isKubernetesObject(StrictManifests.Document document) {
    return !document.apiVersion().startsWith("kind.x-k8s.io/")
        && !document.apiVersion().startsWith("kustomize.config.k8s.io/");
  }

  private static List<HasMetadata> objectsOf(String file) {
    return parsed.stream()
        .filter(p -> p.document().file().equals(MANIFESTS.resolve(file)))
        .map(StrictManifests.Parsed::object)
        .toList();
  }

  private static <T> List<T> all(Class<T> type) {
    return parsed.stream()
        .filter(p -> p.document().file().startsWith(MANIFESTS))
        .map(StrictManifests.Parsed::object)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  // --- every manifest, strictly ------------------------------------------------------------------

  @Test
  void everyManifestParsesStrictlyIntoFabric8Models() {
    assertThat(parsed.stream().map(p -> REPO.relativize(p.document().file()).toString()).distinct())
        .contains(
            "e2e/kind/manifests/00-multus.yaml",
            "e2e/kind/manifests/10-telmesh.yaml",
            "e2e/kind/manifests/20-network.yaml",
            "e2e/kind/manifests/30-workloads.yaml",
            "examples/telco/20-pods.yaml",
            "examples/telco/40-endpointslices.yaml");
    assertThat(parsed.stream().flatMap(p -> p.findings().stream())).isEmpty();
  }

  @Test
  void theKindConfigHasOneControlPlaneAndTwoLabelledWorkers() throws IOException {
    List<StrictManifests.Document> documents =
        StrictManifests.documents(KIND.resolve("kind-config.yaml"));
    assertThat(documents).hasSize(1);
    JsonNode config = documents.get(0).node();
    // kind's v1alpha4 Cluster fields used here, and nothing else (kind rejects unknown fields too).
    assertThat(fieldNames(config)).containsExactlyInAnyOrder("kind", "apiVersion", "nodes");
    assertThat(config.path("kind").asString("")).isEqualTo("Cluster");
    assertThat(config.path("apiVersion").asString("")).isEqualTo("kind.x-k8s.io/v1alpha4");
    List<String> roles = new ArrayList<>();
    Map<String, String> workerRoles = new TreeMap<>();
    for (JsonNode node : config.path("nodes").values()) {
      assertThat(Set.of("role", "labels")).containsAll(fieldNames(node));
      roles.add(node.path("role").asString(""));
      node.path("labels")
          .properties()
          .forEach(e -> workerRoles.put(e.getValue().asString(""), e.getKey()));
    }
    assertThat(roles).containsExactly("control-plane", "worker", "worker");
    // The workloads' nodeSelectors pick the two workers apart.
    assertThat(workerRoles).containsOnlyKeys("server", "client");
    for (Pod pod : all(Pod.class)) {
      assertThat(pod.getSpec().getNodeSelector())
          .as(pod.getMetadata().getName())
          .containsEntry(workerRoles.get(pod.getMetadata().getName()), pod.getMetadata().getName());
    }
  }

  @Test
  void kustomizationsListExactlyTheirDirectorysManifests() throws IOException {
    for (Path file : yamlFiles(KIND, REPO.resolve("examples"))) {
      for (StrictManifests.Document document : StrictManifests.documents(file)) {
        if (!document.apiVersion().startsWith("kustomize.config.k8s.io/")) {
          continue;
        }
        assertThat(fieldNames(document.node()))
            .containsExactlyInAnyOrder("apiVersion", "kind", "resources");
        Set<String> listed = new TreeSet<>();
        document.node().path("resources").values().forEach(r -> listed.add(r.asString("")));
        Set<String> present;
        try (Stream<Path> siblings = Files.list(file.getParent())) {
          present =
              siblings
                  .map(p -> p.getFileName().toString())
                  .filter(n -> n.endsWith(".yaml") && !n.equals(file.getFileName().toString()))
                  .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(listed).as(file.toString()).isEqualTo(present);
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.properties().forEach(e -> names.add(e.getKey()));
    return names;
  }

  // --- telmesh's deployment and RBAC -------------------------------------------------------------

  @Test
  void telmeshMayReadExactlyTheKindsItWatches() {
    List<HasMetadata> telmesh = objectsOf("10-telmesh.yaml");
    Deployment deployment = only(telmesh, Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    String account = pod.getServiceAccountName();
    String namespace = deployment.getMetadata().getNamespace();
    assertThat(account).isNotBlank();
    Container server = pod.getContainers().get(0);
    assertThat(server.getImage()).isEqualTo(TELMESH_IMAGE);
    assertThat(server.getArgs()).startsWith("serve", "--kubernetes");

    // Every binding of telmesh's service account, cluster-wide or namespaced, anywhere in the
    // recipe.
    List<String> roles =
        all(ClusterRoleBinding.class).stream()
            .filter(b -> b.getSubjects().stream().anyMatch(s -> isAccount(s, account, namespace)))
            .map(b -> b.getRoleRef().getKind() + "/" + b.getRoleRef().getName())
            .toList();
    assertThat(all(RoleBinding.class))
        .noneMatch(b -> b.getSubjects().stream().anyMatch(s -> isAccount(s, account, namespace)));
    assertThat(roles).singleElement().asString().startsWith("ClusterRole/");
    ClusterRole role =
        all(ClusterRole.class).stream()
            .filter(r -> ("ClusterRole/" + r.getMetadata().getName()).equals(roles.get(0)))
            .findFirst()
            .orElseThrow();
    assertThat(role.getAggregationRule()).isNull();

    Set<KubernetesSource.ApiResource> granted =
        new TreeSet<>(Comparator.comparing(Object::toString));
    for (PolicyRule rule : role.getRules()) {
      if (rule.getResources().equals(List.of("tokenreviews"))) {
        // The secure port reviews callers' tokens: create on TokenReview, nothing else.
        assertThat(rule.getApiGroups()).containsExactly("authentication.k8s.io");
        assertThat(rule.getVerbs()).containsExactly("create");
        continue;
      }
      assertThat(rule.getVerbs())
          .as("verbs of %s", rule)
          .containsExactlyInAnyOrder("list", "watch");
      assertThat(rule.getResourceNames()).isNullOrEmpty();
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          granted.add(new KubernetesSource.ApiResource(group, "v1", resource));
        }
      }
    }
    assertThat(granted).containsExactlyInAnyOrderElementsOf(KubernetesSource.WATCHED);

    Service service = only(telmesh, Service.class);
    assertThat(service.getMetadata().getNamespace()).isEqualTo(namespace);
    assertThat(service.getSpec().getSelector())
        .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
    assertThat(service.getSpec().getPorts())
        .extracting(p -> p.getPort())
        .containsExactlyInAnyOrder(15010, 15014);
    for (var port : service.getSpec().getPorts()) {
      assertThat(server.getPorts())
          .anyMatch(
              c ->
                  c.getName().equals(port.getTargetPort().getStrVal())
                      && c.getContainerPort().equals(port.getPort()));
    }
  }

  private static boolean isAccount(Subject subject, String account, String namespace) {
    return "ServiceAccount".equals(subject.getKind())
        && account.equals(subject.getName())
        && namespace.equals(subject.getNamespace());
  }

  private static <T> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as(type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  @Test
  void theImageIsBuiltFromTheShadedJar() throws IOException {
    String dockerfile = Files.readString(REPO.resolve("Dockerfile"));
    String pom = Files.readString(REPO.resolve("xds-server/pom.xml"));
    Matcher finalName = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(pom);
    assertThat(finalName.find()).isTrue();
    assertThat(dockerfile)
        .contains("\nCOPY xds-server/target/" + finalName.group(1) + ".jar ")
        .contains("\nFROM eclipse-temurin:17-jre")
        .contains("\nUSER 10001:10001");
    // The image's default command is the Deployment's.
    assertThat(dockerfile).contains("ENTRYPOINT [\"telmesh\"]");
  }

  // --- scripts
  // -------------------------------------------------------------------------------------

  @Test
  void scriptsPassShellcheck() throws Exception {
    List<String> scripts;
    try (Stream<Path> walk = Files.walk(KIND)) {
      scripts =
          walk.filter(p -> p.toString().endsWith(".sh"))
              .map(p -> REPO.relativize(p).toString())
              .sorted()
              .toList();
    }
    assertThat(scripts)
        .contains(
            "e2e/kind/run.sh", "e2e/kind/down.sh", "e2e/kind/env.sh", "e2e/kind/demo/conn.sh");
    List<String> command = new ArrayList<>(List.of("shellcheck", "-x"));
    command.addAll(scripts);
    Process process;
    try {
      process =
          new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          "shellcheck is not installed (apt-get install shellcheck; .ci/run installs it): "
              + e.getMessage(),
          e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    for (String script : List.of("run.sh", "down.sh")) {
      assertThat(Files.readString(KIND.resolve(script))).contains("\nset -euo pipefail\n");
      assertThat(Files.isExecutable(KIND.resolve(script))).as(script + " is executable").isTrue();
    }
  }

  // --- sidecars: bootstrap and capture come from telmesh
  // -------------------------------------------

  /** The pods of the recipe that run an Envoy sidecar. */
  private static List<Pod> sidecarPods() {
    List<Pod> pods =
        all(Pod.class).stream()
            .filter(
                p ->
                    p.getSpec().getContainers().stream()
                        .anyMatch(c -> c.getImage().startsWith(ENVOY_IMAGE)))
            .toList();
    assertThat(pods)
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("server", "client");
    // Only bare pods carry sidecars: a template elsewhere would escape these checks.
    for (Deployment d : all(Deployment.class)) {
      assertThat(d.getSpec().getTemplate().getSpec().getContainers())
          .noneMatch(c -> c.getImage().startsWith(ENVOY_IMAGE));
    }
    for (DaemonSet d : all(DaemonSet.class)) {
      assertThat(d.getSpec().getTemplate().getSpec().getContainers())
          .noneMatch(c -> c.getImage().startsWith(ENVOY_IMAGE));
    }
    return pods;
  }

  @Test
  void noEnvoyConfigIsWrittenByHand() throws IOException {
    for (Path file : yamlFiles(KIND)) {
      String text = Files.readString(file);
      for (String marker : ENVOY_CONFIG_MARKERS) {
        assertThat(text).as("%s holds Envoy config (%s)", file, marker).doesNotContain(marker);
      }
    }
    assertThat(all(ConfigMap.class))
        .allSatisfy(c -> assertThat(c.getMetadata().getNamespace()).isEqualTo("kube-system"));
    assertThat(all(Secret.class)).isEmpty();
    for (Pod pod : sidecarPods()) {
      PodSpec spec = pod.getSpec();
      Container envoy =
          spec.getContainers().stream()
              .filter(c -> c.getImage().startsWith(ENVOY_IMAGE))
              .findFirst()
              .orElseThrow();
      String name = pod.getMetadata().getName();
      // Envoy starts from one file, on an emptyDir that only the bootstrap init container writes.
      List<String> args = envoy.getArgs();
      int config = args.indexOf("-c");
      assertThat(config).as(name + ": envoy -c FILE").isNotNegative();
      String file = args.get(config + 1);
      assertThat(args).doesNotContain("--config-yaml");
      VolumeMount envoyMount = mountOf(envoy, file);
      assertThat(envoyMount.getReadOnly()).isTrue();
      Volume volume =
          spec.getVolumes().stream()
              .filter(v -> v.getName().equals(envoyMount.getName()))
              .findFirst()
              .orElseThrow();
      assertThat(volume.getEmptyDir())
          .as(name + ": the bootstrap volume is an emptyDir")
          .isNotNull();
      assertThat(volume.getConfigMap()).isNull();

      List<Container> inits = spec.getInitContainers();
      assertThat(inits)
          .extracting(Container::getName)
          .containsExactly("telmesh-bootstrap", "telmesh-capture");
      Container bootstrap = inits.get(0);
      assertThat(bootstrap.getImage()).isEqualTo(TELMESH_IMAGE);
      assertThat(bootstrap.getCommand()).containsExactly("sh", "-c");
      Matcher line = BOOTSTRAP_LINE.matcher(String.join(" ", bootstrap.getArgs()));
      assertThat(line.matches())
          .as(name + ": bootstrap writes its output and nothing else: " + bootstrap.getArgs())
          .isTrue();
      assertThat(line.group(2)).isEqualTo(file);
      assertThat(mountOf(bootstrap, file).getName()).isEqualTo(envoyMount.getName());
      assertThat(line.group(1).split(" "))
          .contains("--kubernetes", "--pod", POD_REF, "--idle-timeout");
      assertDownwardPodRef(bootstrap);

      // Capture runs last, as root with exactly the capabilities iptables needs.
      Container capture = inits.get(1);
      assertThat(capture.getImage()).isEqualTo(TELMESH_IMAGE);
      assertThat(capture.getCommand()).isNullOrEmpty();
      assertThat(capture.getArgs())
          .containsExactly("iptables", "--kubernetes", "--pod", POD_REF, "--apply");
      assertThat(capture.getSecurityContext().getRunAsUser()).isZero();
      assertThat(capture.getSecurityContext().getCapabilities().getAdd())
          .containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW");
      assertThat(capture.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(capture.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
      assertDownwardPodRef(capture);

      // The proxy runs as 1337 (never recaptured); nothing else in the pod does, or it would bypass
      // capture.
      assertThat(envoy.getSecurityContext().getRunAsUser()).isEqualTo(1337L);
      assertThat(envoy.getSecurityContext().getRunAsGroup()).isEqualTo(1337L);
      for (Container app : spec.getContainers()) {
        if (app != envoy && app.getSecurityContext() != null) {
          assertThat(app.getSecurityContext().getRunAsUser()).isNotEqualTo(1337L);
        }
      }
    }
    assertThat(Files.readString(KIND.resolve("demo/Dockerfile"))).contains("\nUSER 1000:1000");
  }

  private static VolumeMount mountOf(Container container, String file) {
    return container.getVolumeMounts().stream()
        .filter(m -> file.startsWith(m.getMountPath() + "/"))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError(container.getName() + " mounts nothing holding " + file));
  }

  private static void assertDownwardPodRef(Container container) {
    Map<String, String> fields = new HashMap<>();
    for (EnvVar env : container.getEnv()) {
      if (env.getValueFrom() != null && env.getValueFrom().getFieldRef() != null) {
        fields.put(env.getName(), env.getValueFrom().getFieldRef().getFieldPath());
      }
    }
    assertThat(fields)
        .as(container.getName())
        .containsEntry("POD_NAME", "metadata.name")
        .containsEntry("POD_NAMESPACE", "metadata.namespace");
  }

  // --- the same commands, run here against the recipe's pods
  // ---------------------------------------

  private record CliRun(int exitCode, String out, String err) {}

  private static CliRun telmesh(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine line = new CommandLine(new Main());
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    int code = line.execute(args.toArray(String[]::new));
    return new CliRun(code, out.toString(), err.toString());
  }

  /**
   * The recipe's network and workloads as the cluster would hold them once running: Services with
   * the cluster IPs the API server assigns, pods Ready with the IPs kindnet gives and the
   * network-status Multus writes for their net1 request.
   */
  private static Path runningCluster(Path dir) throws IOException {
    List<HasMetadata> objects = new ArrayList<>(objectsOf("20-network.yaml"));
    int ip = 10;
    for (HasMetadata object : objectsOf("30-workloads.yaml")) {
      ip++;
      if (object instanceof Service service && !"None".equals(service.getSpec().getClusterIP())) {
        objects.add(
            new ServiceBuilder(service)
                .editSpec()
                .withClusterIP("10.96.7." + ip)
                .withClusterIPs("10.96.7." + ip)
                .endSpec()
                .build());
      } else if (object instanceof Pod pod) {
        String eth0 = "10.244." + ip + ".5";
        objects.add(
            new PodBuilder(pod)
                .editMetadata()
                .addToAnnotations(Annotations.NETWORK_STATUS, multusStatus(pod, eth0))
                .endMetadata()
                .withNewStatus()
                .withPhase("Running")
                .addNewCondition()
                .withType("Ready")
                .withStatus("True")
                .endCondition()
                .withPodIP(eth0)
                .addNewPodIP(eth0)
                .endStatus()
                .build());
      } else {
        objects.add(object);
      }
    }
    KubernetesSerialization serialization = new KubernetesSerialization();
    List<String> documents =
        objects.stream()
            .map(serialization::asYaml)
            .map(text -> text.startsWith("---\n") ? text.substring(4) : text)
            .toList();
    Files.writeString(dir.resolve("cluster.yaml"), String.join("\n---\n", documents));
    return dir;
  }

  /**
   * What Multus (thick, kindnet as the cluster network) writes for a pod's JSON networks request.
   */
  private static String multusStatus(Pod pod, String eth0) {
    String request = pod.getMetadata().getAnnotations().get(Annotations.NETWORKS);
    JsonNode networks = JsonMapper.builder().build().readTree(request);
    List<Map<String, Object>> status = new ArrayList<>();
    status.add(
        new LinkedHashMap<>(
            Map.of(
                "name",
                "kindnet",
                "interface",
                "eth0",
                "ips",
                List.of(eth0),
                "default",
                true,
                "dns",
                Map.of())));
    for (JsonNode network : networks.values()) {
      List<String> ips = new ArrayList<>();
      network
          .path("ips")
          .values()
          .forEach(cidr -> ips.add(cidr.asString("").replaceAll("/.*", "")));
      status.add(
          new LinkedHashMap<>(
              Map.of(
                  "name",
                  pod.getMetadata().getNamespace() + "/" + network.path("name").asString(""),
                  "interface",
                  network.path("interface").asString(""),
                  "ips",
                  ips,
                  "dns",
                  Map.of())));
    }
    return JsonMapper.builder().build().writeValueAsString(status);
  }

  /**
   * A command line of an init container, as the kubelet expands it, reading manifests instead of
   * the API.
   */
  private static List<String> offline(List<String> args, Pod pod, Path cluster) {
    List<String> result = new ArrayList<>();
    for (String arg : args) {
      result.add(
          arg.equals("--kubernetes")
              ? "--manifests"
              : arg.replace("$(POD_NAMESPACE)", pod.getMetadata().getNamespace())
                  .replace("$(POD_NAME)", pod.getMetadata().getName()));
      if (arg.equals("--kubernetes")) {
        result.add(cluster.toString());
      }
    }
    return result;
  }

  @Test
  void theInitContainersCommandsWorkForTheRecipesPods(@TempDir Path dir) throws Exception {
    Path cluster = runningCluster(dir);
    for (Pod pod : sidecarPods()) {
      String name = pod.getMetadata().getName();
      Container bootstrap = pod.getSpec().getInitContainers().get(0);
      Matcher line = BOOTSTRAP_LINE.matcher(String.join(" ", bootstrap.getArgs()));
      assertThat(line.matches()).isTrue();
      CliRun run = telmesh(offline(List.of(line.group(1).split(" ")), pod, cluster));
      assertThat(run.exitCode()).as(name + ": " + run.err()).isZero();
      Bootstrap.Builder parsed = Bootstrap.newBuilder();
      EnvoyTypes.parser().merge(run.out(), parsed);
      assertThat(parsed.getNode().getId())
          .startsWith("sidecar~10.244.")
          .endsWith("~" + name + ".telmesh-e2e~telmesh-e2e.svc.cluster.local");
      assertThat(NodeMetadata.from(parsed.getNode().getMetadata()).instanceIps()).hasSize(2);
      assertThat(parsed.getStaticResources().getClustersList())
          .anyMatch(
              c ->
                  c.getName().equals("xds-grpc")
                      && c.getLoadAssignment()
                          .toString()
                          .contains("telmesh.telmesh-system.svc.cluster.local"));

      Container capture = pod.getSpec().getInitContainers().get(1);
      List<String> printOnly = new ArrayList<>(offline(capture.getArgs(), pod, cluster));
      assertThat(printOnly.remove("--apply")).isTrue();
      CliRun rules = telmesh(printOnly);
      assertThat(rules.exitCode()).as(name + ": " + rules.err()).isZero();
      assertThat(rules.out())
          .contains("-A PREROUTING -p tcp -j ISTIO_INBOUND", "-A OUTPUT -p tcp -j ISTIO_OUTPUT")
          .doesNotContainIgnoringCase("sctp");
    }
  }

  /** tcp_proxy stat prefix to its idle timeout, over every listener one pod's sidecar is sent. */
  private static Map<String, Duration> tcpProxies(
      MeshTranslation translation, Pod pod, Path cluster) throws Exception {
    Container bootstrap = pod.getSpec().getInitContainers().get(0);
    Matcher line = BOOTSTRAP_LINE.matcher(String.join(" ", bootstrap.getArgs()));
    assertThat(line.matches()).isTrue();
    CliRun run = telmesh(offline(List.of(line.group(1).split(" ")), pod, cluster));
    assertThat(run.exitCode()).as(run.err()).isZero();
    Bootstrap.Builder parsed = Bootstrap.newBuilder();
    EnvoyTypes.parser().merge(run.out(), parsed);
    // The node exactly as the sidecar will announce it, read as the server reads it.
    ProxyNode node =
        NodeIdParser.parse(
            parsed.getNode().getId(), NodeMetadata.from(parsed.getNode().getMetadata()));
    Map<String, Duration> proxies = new TreeMap<>();
    for (Listener listener : translation.forProxy(node).listeners().all()) {
      for (FilterChain chain : listener.getFilterChainsList()) {
        for (Filter filter : chain.getFiltersList()) {
          if (filter.getName().equals(NetworkFilters.TCP_PROXY)) {
            TcpProxy proxy = unpack(filter);
            Duration idle =
                proxy.hasIdleTimeout()
                    ? Duration.ofSeconds(proxy.getIdleTimeout().getSeconds())
                    : Duration.ofHours(1); // Envoy's default when unset
            proxies.merge(
                proxy.getStatPrefix(),
                idle,
                (a, b) -> {
                  assertThat(a)
                      .as("one idle timeout per stat prefix " + proxy.getStatPrefix())
                      .isEqualTo(b);
                  return a;
                });
          }
        }
      }
    }
    return proxies;
  }

  private static TcpProxy unpack(Filter filter) {
    try {
      return filter.getTypedConfig().unpack(TcpProxy.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyStatTheScriptAssertsOnIsInTelmeshsConfigWithTheExpectedIdleTimeout(@TempDir Path dir)
      throws Exception {
    Path cluster = runningCluster(dir);
    MeshTranslation translation =
        Translator.prepare(MeshStateBuilder.build(new ManifestDirectory(cluster).read()));
    Map<String, Pod> pods =
        sidecarPods().stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    Map<String, Duration> server = tcpProxies(translation, pods.get("server"), cluster);
    Map<String, Duration> client = tcpProxies(translation, pods.get("client"), cluster);

    String script = Files.readString(KIND.resolve("run.sh"));
    Matcher idleSetting = Pattern.compile("\nIDLE_TIMEOUT=(\\d+) ").matcher(script);
    assertThat(idleSetting.find()).isTrue();
    Duration idle = Duration.ofSeconds(Long.parseLong(idleSetting.group(1)));
    String namespace =
        Pattern.compile("\nNS=(\\S+)\n")
            .matcher(script)
            .results()
            .findFirst()
            .orElseThrow()
            .group(1);
    assertThat(namespace).isEqualTo("telmesh-e2e");

    // Every tcp_proxy stat run.sh reads: 'tcp.PREFIX.downstream_cx_total' or
    // 'tcp.PREFIX.idle_timeout'.
    Matcher stats =
        Pattern.compile("tcp\\.([^'\" ]+?)\\.(downstream_cx_total|idle_timeout)").matcher(script);
    Set<String> prefixes = new TreeSet<>();
    while (stats.find()) {
      prefixes.add(stats.group(1).replace("$NS", namespace));
    }
    assertThat(prefixes)
        .containsExactlyInAnyOrder(
            "inbound|9000|eth0|",
            "inbound|9000|net1|",
            "inbound|3868|eth0|",
            "inbound|3868|net1|",
            "outbound|9000||tcp-echo.telmesh-e2e.svc.cluster.local",
            "PassthroughCluster",
            "outbound|3868||diameter.telmesh-e2e.svc.cluster.local",
            "outbound|3868||diameter-signaling.telmesh-e2e.svc.cluster.local");
    for (String prefix : prefixes) {
      Map<String, Duration> side = prefix.startsWith("inbound|") ? server : client;
      assertThat(side)
          .as("the %s sidecar's tcp_proxy stat prefixes", side == server ? "server" : "client")
          .containsKey(prefix);
      // Diameter (3868) is never cut; everything else is cut after the bootstrap's IDLE_TIMEOUT.
      Duration expected = prefix.contains("|3868|") ? Duration.ZERO : idle;
      assertThat(side.get(prefix)).as("idle timeout of " + prefix).isEqualTo(expected);
    }
    // The net1 Diameter peer address is a listener on the client's sidecar (run.sh waits for it).
    String serverNet1 =
        Pattern.compile("\nSERVER_NET1=(\\S+)")
            .matcher(script)
            .results()
            .findFirst()
            .orElseThrow()
            .group(1);
    assertThat(
            translation
                .forProxy(nodeOf(pods.get("client"), cluster))
                .listeners()
                .get(serverNet1 + "_3868"))
        .isPresent();
    // SCTP 38412 and UDP 2152 (the script's other pairs) are nowhere in either sidecar's config.
    for (Pod pod : pods.values()) {
      var resources = translation.forProxy(nodeOf(pod, cluster));
      String config =
          resources.listeners().all()
              + "\n"
              + resources.clusters().all()
              + "\n"
              + resources.routes().all();
      assertThat(config).doesNotContain("38412").doesNotContain("2152");
    }
    // ...and telmesh says it leaves them alone, on the pod that serves them.
    assertThat(translation.forProxy(nodeOf(pods.get("server"), cluster)).untouched())
        .extracting(u -> u.port() + "/" + u.transport())
        .containsExactlyInAnyOrder("38412/SCTP", "2152/UDP");
    assertThat(script).contains("SCTP-CONNECT \"$SERVER_NET1:38412\"", "UDP \"$SERVER_NET1:2152\"");
  }

  private static ProxyNode nodeOf(Pod pod, Path cluster) throws Exception {
    Container bootstrap = pod.getSpec().getInitContainers().get(0);
    Matcher line = BOOTSTRAP_LINE.matcher(String.join(" ", bootstrap.getArgs()));
    assertThat(line.matches()).isTrue();
    CliRun run = telmesh(offline(List.of(line.group(1).split(" ")), pod, cluster));
    Bootstrap.Builder parsed = Bootstrap.newBuilder();
    EnvoyTypes.parser().merge(run.out(), parsed);
    return NodeIdParser.parse(
        parsed.getNode().getId(), NodeMetadata.from(parsed.getNode().getMetadata()));
  }
}
