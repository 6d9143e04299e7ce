package io.telmesh.e2e.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.telmesh.e2e.peers.Peers;
import io.telmesh.e2e.serve.TestPods;
import io.telmesh.e2e.xds.DeltaSidecar;
import io.telmesh.e2e.xds.SotwSidecar;
import io.telmesh.testing.ServeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * telmesh against a real Kubernetes API server (etcd and kube-apiserver v1.35, built here), for
 * what fabric8's mock cannot show: a CRD missing at start, server-side apply with the status
 * subresource, RBAC with exactly the deployment's ClusterRole, an API outage. The tests share one
 * API server and run in order: the first starts telmesh before the Multus CRD exists.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubeApiServerTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  /** The demo's pods and their eth0 addresses (examples/telco/20-pods.yaml). */
  private static final Map<String, String> DEMO_PODS = new LinkedHashMap<>();

  static {
    DEMO_PODS.put("amf-0", "10.244.1.10");
    DEMO_PODS.put("db-0", "10.244.3.30");
    DEMO_PODS.put("db-1", "10.244.3.31");
    DEMO_PODS.put("dra-0", "10.244.2.21");
    DEMO_PODS.put("hss-0", "10.244.2.20");
    DEMO_PODS.put("ocs-0", "10.244.2.22");
    DEMO_PODS.put("smf-0", "10.244.1.11");
    DEMO_PODS.put("upf-0", "10.244.3.40");
  }

  private Path work;
  private Path repo;
  private KubeApiServer api;
  private ServeProcess fromApi;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    repo = Peers.repoRoot();
    work = Files.createTempDirectory("telmesh-kube");
    Instant before = Instant.now();
    api = KubeApiServer.start(work);
    System.out.printf(
        "kube-apiserver ready %d ms after start (etcd and API server %d ms)%n",
        api.lastStartTime().toMillis(), Duration.between(before, Instant.now()).toMillis());
  }

  @AfterAll
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    if (fromApi != null) {
      fromApi.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private ServeProcess serve(String name, String... args) throws Exception {
    ServeProcess serve = ServeProcess.start(work.resolve(name + ".log"), args);
    closing.add(serve);
    return serve;
  }

  private Path crd() throws Exception {
    return api.multusCrd(repo);
  }

  private void applyDemo() throws Exception {
    api.applyDemo(repo);
  }

  @Test
  @Order(1)
  void servesWithoutTheNadCrdAndPicksItUpWhenInstalled() throws Exception {
    fromApi =
        ServeProcess.start(
            work.resolve("from-api.log"), "--kubeconfig", api.adminKubeconfig().toString());
    fromApi.awaitReady(WAIT);
    fromApi.await(
        "/debug/problems",
        p -> p.contains("NetworkAttachmentDefinitions") && p.contains("HTTP 404"),
        WAIT);
    // The crash this guards against came about 10 s after start.
    Thread.sleep(12_000);
    assertThat(fromApi.alive()).as("serve still running; log:%n%s", fromApi.log()).isTrue();

    api.kubectl("apply", "--server-side", "-f", crd().toString());
    applyDemo();
    String mesh =
        fromApi.await(
            "/api/v1/mesh",
            m ->
                m.contains("\"name\" : \"telco/signaling\",\n    \"defined\" : true")
                    && DEMO_PODS.keySet().stream()
                        .allMatch(p -> m.contains("\"pod\" : \"telco/" + p + "\"")),
            Duration.ofMinutes(2));
    assertThat(mesh).contains("\"cniType\" : \"macvlan\"");
    fromApi.await("/debug/problems", p -> !p.contains("HTTP 404"), WAIT);
    assertThat(count(fromApi.log(), "NetworkAttachmentDefinitions cannot be listed: HTTP 404"))
        .as("said once, not on each of fabric8's retries")
        .isEqualTo(1);
    assertThat(fromApi.log()).contains("NetworkAttachmentDefinitions listed and watched again");
  }

  @Test
  @Order(2)
  void everyPodsConfigEqualsWhatTheSameManifestsGive() throws Exception {
    Path manifests = Files.createDirectories(work.resolve("manifests"));
    try (Stream<Path> files = Files.list(repo.resolve("examples/telco"))) {
      for (Path file : files.filter(f -> !f.endsWith("kustomization.yaml")).toList()) {
        Files.copy(file, manifests.resolve(file.getFileName()));
      }
    }
    // The API server holds one Service of its own; the same YAML means that one too.
    Files.writeString(
        manifests.resolve("05-kubernetes.yaml"),
        api.kubectl("get", "service", "kubernetes", "-n", "default", "-o", "yaml"));
    ServeProcess fromFiles = serve("from-files", "--manifests", manifests.toString());
    fromFiles.awaitReady(WAIT);
    for (Map.Entry<String, String> pod : DEMO_PODS.entrySet()) {
      try (SotwSidecar a =
              new SotwSidecar(fromApi.xdsPort(), pod.getKey(), "telco", pod.getValue());
          SotwSidecar b =
              new SotwSidecar(fromFiles.xdsPort(), pod.getKey(), "telco", pod.getValue())) {
        Map<String, Map<String, Any>> viaApi = a.awaitFull(WAIT);
        Map<String, Map<String, Any>> viaFiles = b.awaitFull(WAIT);
        assertThat(viaApi.get(SotwSidecar.LDS)).as(pod.getKey()).isNotEmpty();
        for (String type : viaFiles.keySet()) {
          assertThat(viaApi.get(type).keySet())
              .as("%s %s names", pod.getKey(), type)
              .isEqualTo(viaFiles.get(type).keySet());
          assertThat(viaApi.get(type))
              .as("%s %s", pod.getKey(), type)
              .isEqualTo(viaFiles.get(type));
        }
        assertThat(a.versions())
            .as("%s: the same content has the same versions", pod.getKey())
            .isEqualTo(b.versions());
      }
    }
  }

  @Test
  @Order(3)
  void changesReachAConnectedSidecar() throws Exception {
    try (SotwSidecar amf = new SotwSidecar(fromApi.xdsPort(), "amf-0", "telco", "10.244.1.10")) {
      amf.awaitFull(WAIT);
      amf.drain();
      // An endpoint turns not ready: the EndpointSlice is written as its controller would.
      Instant write = Instant.now();
      api.kubectl(
          "patch",
          "endpointslice",
          "-n",
          "telco",
          "smf-9dl2c",
          "--type=json",
          "-p",
          "[{\"op\":\"replace\",\"path\":\"/endpoints/0/conditions/ready\",\"value\":false}]");
      SotwSidecar.Received eds = amf.next(SotwSidecar.EDS, WAIT);
      assertThat(eds).as("EDS after the readiness change").isNotNull();
      long readiness = Duration.between(write, eds.at()).toMillis();

      amf.drain();
      write = Instant.now();
      api.kubectl("delete", "service", "-n", "telco", "db", "--wait=false");
      SotwSidecar.Received cds = amf.next(SotwSidecar.CDS, WAIT);
      assertThat(cds).as("CDS after the Service deletion").isNotNull();
      assertThat(cds.response().getResourcesList().toString()).doesNotContain("db.telco.svc");
      long deletion = Duration.between(write, cds.at()).toMillis();

      // A sidecar that starts before its pod's network-status is known gets minimal config, then
      // its per-interface chains once the pod is written with it.
      try (SotwSidecar pcf = new SotwSidecar(fromApi.xdsPort(), "pcf-0", "telco", "10.244.2.23")) {
        Map<String, Map<String, Any>> minimal = pcf.awaitFull(WAIT);
        assertThat(minimal.get(SotwSidecar.LDS).toString()).doesNotContain("192.168.50.23");
        pcf.drain();
        Path pod = work.resolve("pcf.yaml");
        Files.writeString(pod, TestPods.pcf());
        write = Instant.now();
        api.kubectl("apply", "--server-side", "-f", pod.toString());
        api.kubectl("apply", "--server-side", "--subresource=status", "-f", pod.toString());
        SotwSidecar.Received lds = null;
        for (SotwSidecar.Received r = pcf.next(SotwSidecar.LDS, WAIT);
            r != null;
            r = pcf.next(SotwSidecar.LDS, WAIT)) {
          if (r.response().getResourcesList().toString().contains("net1_3868")) {
            lds = r;
            break;
          }
        }
        assertThat(lds).as("LDS with pcf-0's net1 chain").isNotNull();
        System.out.printf(
            "change to sidecar: new pod with its network-status %d ms (two kubectl runs)%n",
            Duration.between(write, lds.at()).toMillis());
      }
      System.out.printf(
          "change to sidecar: endpoint readiness %d ms, Service deletion %d ms (kubectl's own"
              + " start included)%n",
          readiness, deletion);
    }
  }

  @Test
  @Order(4)
  void anApiOutageKeepsTheConfigAndIsSaidOnceWhenItStartsAndEnds() throws Exception {
    try (SotwSidecar amf = new SotwSidecar(fromApi.xdsPort(), "amf-0", "telco", "10.244.1.10")) {
      Map<String, Map<String, Any>> before = amf.awaitFull(WAIT);
      amf.drain();
      api.stopApiServer();
      fromApi.await(
          "/metrics", m -> m.contains("telmesh_source_reachable 0.0"), Duration.ofSeconds(20));
      String problems = fromApi.get("/debug/problems").body();
      assertThat(problems).contains("unreachable since", "the last good view stays served");
      assertThat(fromApi.get("/ready").statusCode()).as("still has config to serve").isEqualTo(200);
      Thread.sleep(30_000);
      assertThat(amf.next(SotwSidecar.CDS, Duration.ZERO)).as("nothing withdrawn").isNull();
      assertThat(amf.awaitFull(WAIT)).isEqualTo(before);

      api.startApiServer();
      System.out.printf("kube-apiserver restarted in %d ms%n", api.lastStartTime().toMillis());
      fromApi.await(
          "/metrics", m -> m.contains("telmesh_source_reachable 1.0"), Duration.ofSeconds(30));
      String log = fromApi.log();
      assertThat(count(log, "unreachable: ")).as(log).isEqualTo(1);
      assertThat(count(log, "reachable again after")).as(log).isEqualTo(1);
      assertThat(log).doesNotContain("\tat ");

      // A change after the restart is picked up.
      amf.drain();
      api.kubectl("delete", "pod", "-n", "telco", "db-1", "--wait=false");
      fromApi.await("/api/v1/mesh", m -> !m.contains("telco/db-1"), WAIT);
    }
  }

  @Test
  @Order(5)
  void theDeploymentsClusterRoleIsEnoughAndAMissingVerbIsNamedOnce() throws Exception {
    api.kubectl(
        "apply",
        "--server-side",
        "-f",
        repo.resolve("e2e/kind/manifests/10-telmesh.yaml").toString());
    String token =
        api.kubectl("create", "token", "telmesh", "-n", "telmesh-system", "--duration", "1h")
            .strip();
    Path kubeconfig = work.resolve("telmesh.kubeconfig");
    api.writeKubeconfig(kubeconfig, token);
    ServeProcess granted = serve("granted", "--kubeconfig", kubeconfig.toString());
    granted.awaitReady(WAIT);
    String mesh = granted.await("/api/v1/mesh", m -> m.contains("telco/amf-0"), WAIT);
    assertThat(mesh).contains("\"defined\" : true");
    assertThat(granted.get("/debug/problems").body()).doesNotContain("\"kind\": \"Source\"");
    granted.close();

    // list taken away from pods: the informer cannot start.
    String role =
        api.kubectl("get", "clusterrole", "telmesh", "-o", "yaml")
            .replaceFirst(
                "(?s)(- apiGroups:\\s*- \"\"\\s*resources:\\s*- services\\s*- pods\\s*verbs:\\s*)- list\\s*",
                "$1");
    assertThat(role)
        .as("the rule was edited")
        .doesNotContainPattern("(?s)- pods\\s*verbs:\\s*- list");
    Path edited = work.resolve("role.yaml");
    Files.writeString(edited, role);
    api.kubectl("replace", "-f", edited.toString());
    ServeProcess denied = serve("denied", "--kubeconfig", kubeconfig.toString());
    String problems =
        denied.await(
            "/debug/problems",
            p -> p.contains("\"field\": \"Pods\"") && p.contains("\"field\": \"Services\""),
            WAIT);
    assertThat(problems)
        .contains(
            "cannot list resource \\\"pods\\\"",
            "cannot list resource \\\"services\\\"",
            "system:serviceaccount:telmesh-system:telmesh");
    Thread.sleep(8_000); // several of fabric8's retries
    String log = denied.log();
    // list was taken from the rule that covers both
    assertThat(count(log, "Pods cannot be listed: HTTP 403")).as(log).isEqualTo(1);
    assertThat(count(log, "Services cannot be listed: HTTP 403")).as(log).isEqualTo(1);
    assertThat(log).doesNotContain("\tat ");
  }

  @Test
  @Order(6)
  void twoReplicasGiveTheSameVersionsSoAReconnectingSidecarIsSentNothingItHolds() throws Exception {
    ServeProcess second = serve("replica-2", "--kubeconfig", api.adminKubeconfig().toString());
    second.awaitReady(WAIT);
    String mesh = fromApi.get("/api/v1/mesh").body();
    second.await("/api/v1/mesh", m -> samePods(m, mesh), WAIT);
    Map<String, String> pods = new LinkedHashMap<>(DEMO_PODS);
    pods.keySet().removeIf(p -> !mesh.contains("\"pod\" : \"telco/" + p + "\""));
    assertThat(pods).hasSizeGreaterThanOrEqualTo(6);
    for (Map.Entry<String, String> pod : pods.entrySet()) {
      try (SotwSidecar a =
              new SotwSidecar(fromApi.xdsPort(), pod.getKey(), "telco", pod.getValue());
          SotwSidecar b =
              new SotwSidecar(second.xdsPort(), pod.getKey(), "telco", pod.getValue())) {
        assertThat(a.awaitFull(WAIT)).as(pod.getKey()).isEqualTo(b.awaitFull(WAIT));
        assertThat(a.versions()).as("%s SotW versions", pod.getKey()).isEqualTo(b.versions());
      }
    }

    // A delta sidecar holds replica 1's config, loses it, and reconnects to replica 2.
    List<String> types =
        List.of(SotwSidecar.CDS, SotwSidecar.EDS, SotwSidecar.LDS, SotwSidecar.RDS);
    Map<String, Map<String, String>> held = new LinkedHashMap<>();
    long fullBytes = 0;
    try (SotwSidecar names = new SotwSidecar(fromApi.xdsPort(), "amf-0", "telco", "10.244.1.10");
        DeltaSidecar first = new DeltaSidecar(fromApi.xdsPort(), "amf-0", "telco", "10.244.1.10")) {
      Map<String, Map<String, Any>> full = names.awaitFull(WAIT);
      for (String type : types) {
        boolean wildcard = type.equals(SotwSidecar.CDS) || type.equals(SotwSidecar.LDS);
        first.subscribe(type, wildcard ? List.of() : full.get(type).keySet(), Map.of());
        var got = first.collect(Duration.ofSeconds(2));
        held.put(type, DeltaSidecar.versions(got));
        fullBytes += DeltaSidecar.bytes(got);
        assertThat(held.get(type).keySet()).as(type).isEqualTo(full.get(type).keySet());
      }
    }
    long resent = 0;
    int resources = 0;
    try (DeltaSidecar again = new DeltaSidecar(second.xdsPort(), "amf-0", "telco", "10.244.1.10")) {
      for (String type : types) {
        boolean wildcard = type.equals(SotwSidecar.CDS) || type.equals(SotwSidecar.LDS);
        again.subscribe(type, wildcard ? List.of() : held.get(type).keySet(), held.get(type));
        var got = again.collect(Duration.ofSeconds(2));
        resent += DeltaSidecar.bytes(got);
        resources += got.stream().mapToInt(r -> r.getResourcesCount()).sum();
        assertThat(got.stream().flatMap(r -> r.getRemovedResourcesList().stream()))
            .as("%s: nothing removed", type)
            .isEmpty();
      }
    }
    System.out.printf(
        "replica switch: %d resources, %d bytes re-sent of the %d bytes of a full set%n",
        resources, resent, fullBytes);
    assertThat(resources).as("resources re-sent after the switch").isZero();
  }

  @Test
  @Order(7)
  void initContainersReadTheirPodInClusterWithTheirOwnServiceAccount() throws Exception {
    Path roleFile = work.resolve("pod-reader.yaml");
    Files.writeString(
        roleFile,
        """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: hss, namespace: telco}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: telmesh-pod-reader, namespace: telco}
        rules:
        - {apiGroups: [""], resources: [pods], verbs: [get]}
        - {apiGroups: [""], resources: [services], verbs: [list]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: telmesh-pod-reader, namespace: telco}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: telmesh-pod-reader}
        subjects:
        - {kind: ServiceAccount, name: hss, namespace: telco}
        """);
    api.kubectl("apply", "--server-side", "-f", roleFile.toString());
    Path token = work.resolve("hss.token");
    Files.writeString(token, api.kubectl("create", "token", "hss", "-n", "telco").strip());
    Path files = work.resolve("manifests");
    for (List<String> command :
        List.of(
            List.of(
                "bootstrap",
                "--pod",
                "telco/hss-0",
                "--xds-address",
                "telmesh.telmesh-system.svc:15010"),
            List.of("iptables", "--pod", "telco/hss-0", "--format", "json"))) {
      Cli inCluster = inCluster(token, concat(command, "--kubernetes"));
      assertThat(inCluster.exit()).as("%s%n%s", command, inCluster.err()).isZero();
      Cli fromFiles = Cli.run(work, Map.of(), concat(command, "--manifests", files.toString()));
      assertThat(fromFiles.exit()).as(fromFiles.err()).isZero();
      assertThat(inCluster.out())
          .as("%s: in-cluster as from files", command)
          .isEqualTo(fromFiles.out());
    }

    Path other = work.resolve("default.token");
    Files.writeString(other, api.kubectl("create", "token", "default", "-n", "telco").strip());
    Cli denied =
        inCluster(
            other,
            List.of(
                "bootstrap",
                "--pod",
                "telco/hss-0",
                "--xds-address",
                "telmesh.telmesh-system.svc:15010",
                "--kubernetes",
                "--wait",
                "3s"));
    assertThat(denied.exit()).isNotZero();
    assertThat(denied.err())
        .contains("forbidden", "system:serviceaccount:telco:default", "pods")
        .doesNotContain("\tat ");
  }

  @Test
  @Order(8)
  void aGeneratedMeshGivesEveryPodTheConfigItsManifestsGive() throws Exception {
    io.telmesh.kube.KubeObjects objects =
        io.telmesh.testing.MeshGenerator.generate(
            new io.telmesh.testing.MeshGenerator.Shape(40, 80, 3, 1));
    io.fabric8.kubernetes.client.utils.KubernetesSerialization yaml =
        new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
    Path dir = Files.createDirectories(work.resolve("generated"));
    List<io.fabric8.kubernetes.api.model.HasMetadata> all = new ArrayList<>();
    all.addAll(objects.networkAttachments());
    all.addAll(objects.pods());
    all.addAll(objects.services());
    all.addAll(objects.endpointSlices());
    StringBuilder text = new StringBuilder();
    for (io.fabric8.kubernetes.api.model.HasMetadata object : all) {
      text.append(yaml.asYaml(object)).append("\n");
    }
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, text.toString());
    String namespace = objects.pods().get(0).getMetadata().getNamespace();
    api.kubectl("apply", "--server-side", "-f", crd().toString());
    api.kubectl("create", "namespace", namespace);
    api.kubectl("create", "serviceaccount", "default", "-n", namespace);
    api.kubectl("apply", "--server-side", "-f", file.toString());
    StringBuilder podText = new StringBuilder();
    for (io.fabric8.kubernetes.api.model.Pod pod : objects.pods()) {
      podText.append(yaml.asYaml(pod)).append("\n");
    }
    Path podFile = dir.resolve("pods.status");
    Files.writeString(podFile, podText.toString());
    api.kubectl(
        "apply",
        "--server-side",
        "--subresource=status",
        "-f",
        podFile.toString(),
        "--validate=false");

    ServeProcess viaApi =
        serve(
            "generated-api",
            "--kubeconfig",
            api.adminKubeconfig().toString(),
            "--namespace",
            namespace);
    ServeProcess viaFiles = serve("generated-files", "--manifests", dir.toString());
    viaApi.awaitReady(WAIT);
    viaFiles.awaitReady(WAIT);
    String filesMesh = viaFiles.get("/api/v1/mesh").body();
    viaApi.await("/api/v1/mesh", m -> samePods(m, filesMesh), WAIT);
    int compared = 0;
    for (io.fabric8.kubernetes.api.model.Pod pod : objects.pods()) {
      String name = pod.getMetadata().getName();
      String ip =
          pod.getStatus().getPodIP() != null
              ? pod.getStatus().getPodIP()
              : pod.getStatus().getPodIPs().get(0).getIp();
      try (SotwSidecar a = new SotwSidecar(viaApi.xdsPort(), name, namespace, ip);
          SotwSidecar b = new SotwSidecar(viaFiles.xdsPort(), name, namespace, ip)) {
        Map<String, Map<String, Any>> fromFiles = b.awaitFull(WAIT);
        assertThat(a.awaitFull(WAIT)).as(name).isEqualTo(fromFiles);
        assertThat(a.versions()).as(name).isEqualTo(b.versions());
        compared++;
      }
    }
    assertThat(compared).isEqualTo(80);
  }

  @Test
  @Order(9)
  void theNadCrdRemovedAndInstalledAgainIsNoticedEachTimeAndTelmeshKeepsServing() throws Exception {
    api.kubectl("delete", "-f", crd().toString(), "--wait=true");
    // Deleting a CRD deletes its objects: telmesh sees them go and says what that costs.
    fromApi.await(
        "/debug/problems",
        p -> p.contains("NetworkAttachmentDefinition telco/signaling not found"),
        WAIT);
    String mesh = fromApi.await("/api/v1/mesh", m -> m.contains("\"defined\" : false"), WAIT);
    assertThat(mesh).contains("telco/signaling");
    assertThat(fromApi.alive()).isTrue();
    assertThat(fromApi.get("/ready").statusCode()).isEqualTo(200);

    api.kubectl("apply", "--server-side", "-f", crd().toString());
    api.kubectl(
        "apply", "--server-side", "-f", repo.resolve("examples/telco/10-networks.yaml").toString());
    fromApi.await(
        "/api/v1/mesh",
        m -> m.contains("\"name\" : \"telco/signaling\",\n    \"defined\" : true"),
        Duration.ofMinutes(2));
    fromApi.await(
        "/debug/problems", p -> !p.contains("NetworkAttachmentDefinition telco/signaling"), WAIT);
  }

  /** A telmesh command as an init container runs it: in-cluster config, its own token. */
  private Cli inCluster(Path token, List<String> args) throws Exception {
    return Cli.run(
        work,
        Map.of(
            "KUBERNETES_SERVICE_HOST", "127.0.0.1",
            "KUBERNETES_SERVICE_PORT", Integer.toString(api.url().getPort()),
            "KUBERNETES_AUTH_SERVICEACCOUNT_TOKEN", token.toString(),
            "KUBERNETES_CERTS_CA_FILE", api.caFile().toString(),
            "KUBECONFIG", work.resolve("no-such-kubeconfig").toString()),
        args);
  }

  private static List<String> concat(List<String> a, String... b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(List.of(b));
    return all;
  }

  /** A telmesh command run as its own process. */
  record Cli(int exit, String out, String err) {

    static Cli run(Path work, Map<String, String> env, List<String> args) throws Exception {
      List<String> command = ServeProcess.telmesh(args.toArray(String[]::new));
      Path out = Files.createTempFile(work, "cli", ".out");
      Path err = Files.createTempFile(work, "cli", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("KUBERNETES_"));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(args + " did not finish");
      }
      return new Cli(process.exitValue(), Files.readString(out), Files.readString(err));
    }
  }

  /** Whether two /api/v1/mesh answers list the same pods. */
  private static boolean samePods(String a, String b) {
    Pattern pod = Pattern.compile("\"pod\" : \"([^\"]+)\",\n    \"ready\"");
    return pods(pod, a).equals(pods(pod, b));
  }

  private static List<String> pods(Pattern pattern, String mesh) {
    List<String> pods = new ArrayList<>();
    Matcher m = pattern.matcher(mesh);
    while (m.find()) {
      pods.add(m.group(1));
    }
    return pods;
  }

  private static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
