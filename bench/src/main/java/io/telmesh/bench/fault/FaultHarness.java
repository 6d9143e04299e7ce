package io.telmesh.bench.fault;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.telmesh.testing.Meshes;
import io.telmesh.testing.Nodes;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Replays the attacks of issue 13 against {@code telmesh serve --manifests DIR} run as its own
 * process (so its RSS is its own), with five delta sidecars of the demo connected, and prints a
 * Markdown table: per attack, whether every sidecar kept its served config (listener and cluster
 * names and versions), the server's RSS before and after, whether the server still answers {@code
 * /ready}, and the time until a valid change made after the attack reaches a sidecar.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.telmesh.bench.fault.FaultHarness [-Xmx of the
 * server, default 512m]}
 */
public final class FaultHarness {

  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String[]> SIDECARS =
      List.of(
          new String[] {"amf-0", "10.244.1.10"},
          new String[] {"smf-0", "10.244.1.11"},
          new String[] {"hss-0", "10.244.2.20"},
          new String[] {"ocs-0", "10.244.2.22"},
          new String[] {"upf-0", "10.244.3.40"});

  /** A delta sidecar that ACKs everything and keeps name → version per type. */
  private static final class Sidecar {
    final Map<String, Map<String, String>> held = new ConcurrentHashMap<>();
    private StreamObserver<DeltaDiscoveryRequest> requests;

    Sidecar(ManagedChannel channel, String pod, String ip) {
      requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .deltaAggregatedResources(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(DeltaDiscoveryResponse response) {
                      Map<String, String> type =
                          held.computeIfAbsent(
                              response.getTypeUrl(), t -> new ConcurrentHashMap<>());
                      for (Resource r : response.getResourcesList()) {
                        type.put(r.getName(), r.getVersion());
                      }
                      response.getRemovedResourcesList().forEach(type::remove);
                      send(
                          DeltaDiscoveryRequest.newBuilder()
                              .setTypeUrl(response.getTypeUrl())
                              .setResponseNonce(response.getNonce())
                              .build());
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                  });
      Node node = Nodes.envoyNode(pod, "telco", ip, Map.of());
      send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(CDS).build());
      send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(LDS).build());
    }

    synchronized void send(DeltaDiscoveryRequest request) {
      requests.onNext(request);
    }

    Map<String, Map<String, String>> snapshot() {
      Map<String, Map<String, String>> copy = new TreeMap<>();
      held.forEach((type, names) -> copy.put(type, new TreeMap<>(names)));
      return copy;
    }
  }

  private record Row(
      String attack, String kept, long rssBeforeMb, long rssAfterMb, String ready, String pickup) {}

  private final Path dir;
  private final Process server;
  private final int xdsPort;
  private final int monitoringPort;
  private final ManagedChannel channel;
  private final List<Sidecar> sidecars = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private int changes;

  private FaultHarness(Path dir, String heap) throws Exception {
    this.dir = dir;
    this.xdsPort = freePort();
    this.monitoringPort = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    this.server =
        new ProcessBuilder(
                java,
                "-Xmx" + heap,
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                "io.telmesh.cli.Main",
                "serve",
                "--manifests",
                dir.toString(),
                "--bind",
                "127.0.0.1",
                "--xds-port",
                Integer.toString(xdsPort),
                "--monitoring-port",
                Integer.toString(monitoringPort),
                "--rescan",
                "2s",
                "--log-level",
                "warn")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
            .start();
    awaitReady();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
    for (String[] sidecar : SIDECARS) {
      sidecars.add(new Sidecar(channel, sidecar[0], sidecar[1]));
    }
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (sidecars.stream().anyMatch(s -> s.held.size() < 2) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  public static void main(String[] args) throws Exception {
    String heap = args.length > 0 ? args[0] : "512m";
    Path dir = Files.createTempDirectory("telmesh-faults");
    try (Stream<Path> files = Files.list(Meshes.demoDir())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    FaultHarness harness = new FaultHarness(dir, heap);
    List<Row> rows = new ArrayList<>();
    try {
      Path services = dir.resolve("30-services.yaml");
      String original = Files.readString(services);
      rows.add(
          harness.attack(
              "Services file truncated in place (mid-document)",
              () -> Files.writeString(services, original.substring(0, original.length() / 2)),
              () -> Files.writeString(services, original)));
      rows.add(
          harness.attack(
              "Services file cut at a line end, what is left still valid YAML",
              () ->
                  Files.writeString(
                      services, original.substring(0, original.lastIndexOf("  ports:"))),
              () -> Files.writeString(services, original)));
      rows.add(
          harness.attack(
              "Services file overwritten with garbage text",
              () -> Files.writeString(services, "this is not yaml: [\n{{{ garbage"),
              () -> Files.writeString(services, original)));
      rows.add(
          harness.attack(
              "Services file emptied (truncate, then nothing)",
              () -> Files.writeString(services, ""),
              () -> Files.writeString(services, original)));
      rows.add(
          harness.attack(
              "Services file with bytes that are not UTF-8",
              () -> Files.write(services, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 'x'}),
              () -> Files.writeString(services, original)));
      Path big = dir.resolve("90-big.yaml");
      rows.add(
          harness.attack(
              "20 MB single-scalar file added",
              () -> Files.writeString(big, "x".repeat(20 << 20)),
              () -> Files.delete(big)));
      rows.add(
          harness.attack(
              "8 MB plain scalar (under the size limit, slow to parse) added",
              () -> Files.writeString(big, "x".repeat(8 << 20)),
              () -> Files.delete(big)));
      rows.add(
          harness.attack(
              "20 MB of small documents (10 000 ConfigMaps) added",
              () -> Files.writeString(big, manyDocuments(10_000, 2000)),
              () -> Files.delete(big)));
      rows.add(
          harness.attack(
              "12 MB of small documents (6 000 ConfigMaps, under the size limit) added",
              () -> Files.writeString(big, manyDocuments(6_000, 2000)),
              () -> Files.delete(big)));
      rows.add(
          harness.attack(
              "3 MB file created and deleted 15 times",
              () -> {
                String text = manyDocuments(1500, 2000);
                for (int i = 0; i < 15; i++) {
                  Files.writeString(big, text);
                  Thread.sleep(300);
                  Files.delete(big);
                  Thread.sleep(300);
                }
              },
              () -> {}));
      rows.add(
          harness.attack(
              "A Service defined again in another file",
              () ->
                  Files.writeString(
                      dir.resolve("00-dup.yaml"),
                      original.substring(0, original.indexOf("---")).replace("8080", "8081")),
              () -> Files.delete(dir.resolve("00-dup.yaml"))));
      rows.add(
          harness.attack(
              "300 streams with malformed node ids",
              () -> harness.badStreams(300, i -> "not-a-node-" + i, LDS),
              () -> {}));
      rows.add(
          harness.attack(
              "Node ids with newlines, a 100 KB type URL",
              () -> {
                harness.badStreams(50, i -> "sidecar~1.2.3.4~evil\n" + i + ".x~x.svc", LDS);
                harness.badStreams(5, i -> "sidecar~1.2.3.4~big.x~x.svc", "t".repeat(100_000));
              },
              () -> {}));
      rows.add(
          harness.attack(
              "200 connections sending garbage to the xDS port",
              () -> {
                for (int i = 0; i < 200; i++) {
                  try (Socket socket =
                      new Socket(java.net.InetAddress.getLoopbackAddress(), harness.xdsPort)) {
                    OutputStream out = socket.getOutputStream();
                    out.write(
                        "GET / HTTP/1.1\r\n\r\n\u0000\u0001garbage"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                  } catch (java.io.IOException e) {
                    // refused or reset: what a server may do to garbage
                  }
                }
              },
              () -> {}));
    } finally {
      harness.close();
    }
    System.out.println(
        "| attack | served config kept (5 sidecars) | RSS before → after (MB) | /ready after |"
            + " a valid change picked up after |");
    System.out.println("|---|---|---|---|---|");
    for (Row row : rows) {
      System.out.printf(
          "| %s | %s | %d → %d | %s | %s |%n",
          row.attack(), row.kept(), row.rssBeforeMb(), row.rssAfterMb(), row.ready(), row.pickup());
    }
  }

  private interface Step {
    void run() throws Exception;
  }

  /**
   * Runs one attack, waits for the server to have taken it in (two rescans), checks every sidecar,
   * makes a valid change and times its arrival, then repairs.
   */
  private Row attack(String name, Step attack, Step repair) throws Exception {
    List<Map<String, Map<String, String>>> before =
        sidecars.stream().map(Sidecar::snapshot).toList();
    long rssBefore = rssMb();
    attack.run();
    Thread.sleep(4500);
    int kept = 0;
    for (int i = 0; i < sidecars.size(); i++) {
      if (sidecars.get(i).snapshot().equals(before.get(i))) {
        kept++;
      }
    }
    long rssAfter = rssMb();
    String ready = ready() ? "200" : "NOT READY";
    String pickup = pickup();
    repair.run();
    Thread.sleep(3000);
    return new Row(
        name,
        kept == sidecars.size() ? "yes (5/5)" : "NO (" + kept + "/5)",
        rssBefore,
        rssAfter,
        ready,
        pickup);
  }

  /** Adds a Service in a file of its own and times until amf-0 holds its cluster. */
  private String pickup() throws Exception {
    int n = changes++;
    String cluster = "outbound|7000||fault-" + n + ".telco.svc.cluster.local";
    Path staging = Files.createTempFile("fault", ".yaml");
    Files.writeString(
        staging,
        """
        apiVersion: v1
        kind: Service
        metadata: {name: fault-%d, namespace: telco}
        spec: {clusterIP: 10.96.251.%d, ports: [{name: tcp-x, port: 7000}]}
        """
            .formatted(n, 10 + n));
    Path file = dir.resolve("80-fault-" + n + ".yaml");
    long start = System.nanoTime();
    Files.move(staging, file, StandardCopyOption.ATOMIC_MOVE);
    Sidecar amf = sidecars.get(0);
    while (System.nanoTime() - start < WAIT.toNanos()) {
      if (amf.held.getOrDefault(CDS, Map.of()).containsKey(cluster)) {
        long ms = (System.nanoTime() - start) / 1_000_000;
        Files.delete(file);
        return ms + " ms";
      }
      Thread.sleep(5);
    }
    Files.delete(file);
    return "NOT within " + WAIT.toSeconds() + " s";
  }

  private void badStreams(int count, java.util.function.IntFunction<String> nodeId, String type)
      throws InterruptedException {
    for (int i = 0; i < count; i++) {
      java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .streamAggregatedResources(
                  new StreamObserver<DiscoveryResponse>() {
                    @Override
                    public void onNext(DiscoveryResponse value) {}

                    @Override
                    public void onError(Throwable t) {
                      done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                      done.countDown();
                    }
                  });
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId(nodeId.apply(i)))
              .setTypeUrl(type)
              .build());
      done.await(5, TimeUnit.SECONDS);
    }
  }

  private boolean ready() {
    try {
      return http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + monitoringPort + "/ready"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!ready()) {
      if (System.nanoTime() > deadline || !server.isAlive()) {
        throw new IllegalStateException("telmesh serve did not become ready");
      }
      Thread.sleep(100);
    }
  }

  private long rssMb() throws java.io.IOException {
    if (!server.isAlive()) {
      return -1;
    }
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(server.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }

  private static String manyDocuments(int count, int bytesEach) {
    StringBuilder text = new StringBuilder();
    String filler = "v".repeat(Math.max(0, bytesEach - 120));
    for (int i = 0; i < count; i++) {
      text.append("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c")
          .append(i)
          .append(", namespace: telco}\ndata: {k: ")
          .append(filler)
          .append("}\n---\n");
    }
    return text.toString();
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void close() throws InterruptedException {
    channel.shutdownNow();
    server.destroy();
    server.waitFor(10, TimeUnit.SECONDS);
  }
}
