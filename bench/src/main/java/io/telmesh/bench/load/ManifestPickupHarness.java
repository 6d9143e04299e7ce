package io.telmesh.bench.load;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.source.ManifestDirectorySource;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * How fast an edit of a watched manifest directory reaches a connected sidecar: {@code telmesh
 * serve --manifests DIR} with its defaults (100 ms debounce), a delta client subscribed to CDS, and
 * Service files added, then deleted, one at a time. Reports p50, p99 and max from the file's atomic
 * move into the directory to the CDS response carrying (or removing) the cluster.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.telmesh.bench.load.ManifestPickupHarness
 * [rounds]}
 */
public final class ManifestPickupHarness {

  private ManifestPickupHarness() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    Path dir = Files.createTempDirectory("telmesh-pickup");
    try (Stream<Path> files = Files.list(Meshes.demoDir())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    ServerOptions options = ServerOptions.defaults().withPorts(0, 0);
    TelmeshServer server =
        new TelmeshServer(
                new ServerOptions(
                    "127.0.0.1",
                    0,
                    0,
                    options.debounceQuiet(),
                    options.debounceMax(),
                    options.sendThreads()),
                new ManifestDirectorySource(dir, Duration.ofSeconds(10)))
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    BlockingQueue<DeltaDiscoveryResponse> responses = new LinkedBlockingQueue<>();
    AtomicReference<StreamObserver<DeltaDiscoveryRequest>> requests = new AtomicReference<>();
    requests.set(
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .deltaAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DeltaDiscoveryResponse response) {
                    responses.add(response);
                    synchronized (requests) {
                      requests
                          .get()
                          .onNext(
                              DeltaDiscoveryRequest.newBuilder()
                                  .setTypeUrl(response.getTypeUrl())
                                  .setResponseNonce(response.getNonce())
                                  .build());
                    }
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                }));
    Node node = Nodes.envoyNode("amf-0", "telco", "10.244.1.10", Map.of());
    synchronized (requests) {
      requests
          .get()
          .onNext(
              DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(SimClient.CDS).build());
    }
    if (responses.poll(60, TimeUnit.SECONDS) == null) {
      throw new IllegalStateException("no initial CDS");
    }
    List<Double> added = new ArrayList<>();
    List<Double> removed = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      String cluster = "outbound|7000||bench-" + i + ".telco.svc.cluster.local";
      Path file = dir.resolve("zz-bench-" + i + ".yaml");
      Path staging = Files.createTempFile("pickup", ".yaml");
      Files.writeString(staging, service(i), StandardCharsets.UTF_8);
      responses.clear();
      long start = System.nanoTime();
      Files.move(staging, file, StandardCopyOption.ATOMIC_MOVE);
      added.add(
          await(
              responses,
              r -> r.getResourcesList().stream().map(Resource::getName).anyMatch(cluster::equals),
              start));
      Thread.sleep(300);
      responses.clear();
      start = System.nanoTime();
      Files.delete(file);
      removed.add(await(responses, r -> r.getRemovedResourcesList().contains(cluster), start));
      Thread.sleep(300);
    }
    System.out.printf(
        "manifest directory pickup, %d rounds (debounce %d ms): added file p50 %.0f ms, p99 %.0f ms,"
            + " max %.0f ms; deleted file p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
        rounds,
        options.debounceQuiet().toMillis(),
        percentile(added, 0.5),
        percentile(added, 0.99),
        percentile(added, 1.0),
        percentile(removed, 0.5),
        percentile(removed, 0.99),
        percentile(removed, 1.0));
    channel.shutdownNow();
    server.close();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
  }

  private static double await(
      BlockingQueue<DeltaDiscoveryResponse> responses,
      Predicate<DeltaDiscoveryResponse> wanted,
      long start)
      throws InterruptedException {
    while (true) {
      DeltaDiscoveryResponse response = responses.poll(30, TimeUnit.SECONDS);
      if (response == null) {
        throw new IllegalStateException("the change did not arrive within 30 s");
      }
      if (wanted.test(response)) {
        return (System.nanoTime() - start) / 1e6;
      }
    }
  }

  private static double percentile(List<Double> values, double p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(
        (int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(sorted.size() * p) - 1)));
  }

  private static String service(int i) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: bench-%d
          namespace: telco
        spec:
          clusterIP: 10.96.250.%d
          selector:
            app: bench-%d
          ports:
          - name: tcp-bench
            port: 7000
            protocol: TCP
        """
        .formatted(i, 10 + i, i);
  }
}
