package io.telmesh.bench.load;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.telmesh.e2e.kube.KubeApiServer;
import io.telmesh.e2e.peers.Peers;
import io.telmesh.kube.KubeObjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The harness's mesh held by a real API server (etcd and kube-apiserver, as the e2e tests run
 * them), so that a server watching Kubernetes (telmesh's informers, istiod) is fed the same objects
 * and the same endpoint change, written through the API. What a controller manager and the kubelet
 * would add (each namespace's default ServiceAccount, pod status) is written here.
 */
final class ApiServerMesh implements AutoCloseable {

  private final Path dir;
  private final KubeApiServer api;
  private final KubernetesClient client;
  private final EndpointSlice flipped;

  private ApiServerMesh(
      Path dir, KubeApiServer api, KubernetesClient client, EndpointSlice flipped) {
    this.dir = dir;
    this.api = api;
    this.client = client;
    this.flipped = flipped;
  }

  /** Starts the API server in a new temporary directory and writes {@code objects} into it. */
  static ApiServerMesh start(KubeObjects objects) throws Exception {
    if (!objects.istioObjects().isEmpty()) {
      // Istio's CRDs are not installed in this API server.
      throw new IllegalArgumentException(
          BenchMesh.SIDECAR_ENV + " is not supported by the API-server modes");
    }
    long started = System.nanoTime();
    Path dir = Files.createTempDirectory("telmesh-bench-api");
    KubeApiServer api = KubeApiServer.start(dir);
    KubernetesClient client = null;
    try {
      api.kubectl("apply", "--server-side", "-f", api.multusCrd(Peers.repoRoot()).toString());
      api.kubectl(
          "wait",
          "--for=condition=established",
          "--timeout=60s",
          "crd/network-attachment-definitions.k8s.cni.cncf.io");
      client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(Files.readString(api.adminKubeconfig())))
              .build();
      write(client, objects);
      EndpointSlice flipped =
          objects.endpointSlices().stream()
              .filter(s -> s.getMetadata().getName().equals(BenchServer.FLIPPED_SLICE))
              .findFirst()
              .orElseThrow();
      System.err.printf(
          "api server: %d services, %d pods, %d endpoint slices written in %d s (%s)%n",
          objects.services().size(),
          objects.pods().size(),
          objects.endpointSlices().size(),
          Duration.ofNanos(System.nanoTime() - started).toSeconds(),
          dir);
      return new ApiServerMesh(dir, api, client, flipped);
    } catch (Exception | AssertionError e) {
      if (client != null) {
        client.close();
      }
      api.close();
      throw e;
    }
  }

  /** Namespaces and their ServiceAccounts first: pods are admitted only with their account. */
  private static void write(KubernetesClient client, KubeObjects objects) throws Exception {
    TreeSet<String> namespaces = new TreeSet<>();
    objects.pods().forEach(p -> namespaces.add(p.getMetadata().getNamespace()));
    objects.services().forEach(s -> namespaces.add(s.getMetadata().getNamespace()));
    for (String namespace : namespaces) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
          .create();
      client
          .serviceAccounts()
          .inNamespace(namespace)
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("default")
                  .withNamespace(namespace)
                  .endMetadata()
                  .build())
          .create();
    }
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(objects.networkAttachments());
    all.addAll(objects.services());
    all.addAll(objects.pods());
    all.addAll(objects.endpointSlices());
    // A few writers: the API server answers each in a few milliseconds, mostly waiting on etcd.
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (HasMetadata object : all) {
        done.add(writers.submit(() -> create(client, object)));
      }
      for (Future<?> future : done) {
        future.get();
      }
    } finally {
      writers.shutdownNow();
    }
  }

  private static void create(KubernetesClient client, HasMetadata object) {
    HasMetadata copy = withoutServerFields(object);
    client.resource(copy).create();
    if (object instanceof Pod pod) {
      // What the kubelet reports: the pod's IPs, phase and readiness.
      client.pods().resource(withoutServerFields(pod)).updateStatus();
    }
  }

  private static <T extends HasMetadata> T withoutServerFields(T object) {
    T copy = Serialization.clone(object);
    copy.getMetadata().setResourceVersion(null);
    copy.getMetadata().setUid(null);
    copy.getMetadata().setCreationTimestamp(null);
    return copy;
  }

  /**
   * Writes the harness's endpoint flip (change {@code change}) through the API; returns the instant
   * just before the write was sent, so the API server's own time counts for every server alike.
   */
  Instant flip(int change) {
    EndpointSlice next = BenchServer.flipped(flipped, change);
    EndpointSlice current =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(next.getMetadata().getNamespace())
            .withName(next.getMetadata().getName())
            .get();
    EndpointSlice update = withoutServerFields(next);
    update.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    Instant at = Instant.now();
    client.resource(update).update();
    return at;
  }

  Path kubeconfig() {
    return api.adminKubeconfig();
  }

  KubernetesClient client() {
    return client;
  }

  /** Stops the API server and deletes its directory (etcd's data: ~70 MB for this mesh). */
  @Override
  public void close() {
    client.close();
    api.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(ApiServerMesh::delete);
    } catch (IOException e) {
      System.err.println("could not list " + dir + " to delete it: " + e.getMessage());
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      System.err.println("could not delete " + file + ": " + e.getMessage());
    }
  }
}
