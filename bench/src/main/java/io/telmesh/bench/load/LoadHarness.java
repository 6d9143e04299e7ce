package io.telmesh.bench.load;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drives {@link BenchServer} processes with simulated sidecars and prints the figures: full push
 * wall time, server CPU and bytes per proxy, convergence after an endpoint change, a reconnect
 * storm, heap per connected proxy; for telmesh, the stock library and the ceiling, and, fed the
 * same mesh through a real API server, for telmesh's Kubernetes source and istiod ({@code
 * telmesh-kube}, {@code istiod}: the endpoint change is then an EndpointSlice update written to the
 * API server).
 *
 * <p>{@code java -Xms6g -Xmx6g -XX:+AlwaysPreTouch -cp bench/target/benchmarks.jar
 * io.telmesh.bench.load.LoadHarness [services pods interfaces clients changes modes kinds warmup]},
 * defaults {@code 1000 2000 3 2000 10 ceiling,stock,telmesh delta,sotw 0}; {@code warmup} endpoint
 * changes go unmeasured first. The simulated sidecars' receipt times are the measurement, so this
 * JVM's heap is best touched up front: growing it mid-run stalls every sidecar on page faults,
 * whichever server is being measured then (the header says whether it was). With {@code
 * TELMESH_BENCH_SIDECAR=own-namespace} the mesh carries a root Sidecar importing each namespace's
 * own Services ({@link BenchMesh}); {@code TELMESH_BENCH_SERVER_HEAP} sets the server's {@code
 * -Xmx} (default 8g); {@code TELMESH_BENCH_CLIENT_WINDOW} fixes the clients' HTTP/2 stream window,
 * in bytes; {@code TELMESH_BENCH_TLS=1} serves over TLS with client certificates ({@link
 * BenchTls}); {@code TELMESH_BENCH_PER_CHANGE=1} prints each change's median and slowest arrival.
 * There is one client per pod, so more clients need more pods.
 */
public final class LoadHarness {

  private final int services;
  private final int pods;
  private final int interfaces;
  private final int clients;
  private final int changes;
  private final int warmup;
  private final List<ProxyNode> nodes;

  /** The Service whose endpoint {@link BenchServer#withEndpointFlip} flips, as clusters end. */
  private static final String FLIPPED = "||svc0.ns0.svc.cluster.local";

  /** After each measured change, so that one change's stragglers do not delay the next's. */
  private static final long PAUSE_MS = 300;

  private static final long WARMUP_PAUSE_MS = 30;

  private static final boolean PER_CHANGE = "1".equals(System.getenv("TELMESH_BENCH_PER_CHANGE"));

  private final Map<String, List<String>> edsNames = new LinkedHashMap<>();
  private final Map<String, List<String>> rdsNames = new LinkedHashMap<>();
  private final Optional<BenchTls> tls;

  LoadHarness(int services, int pods, int interfaces, int clients, int changes, int warmup)
      throws Exception {
    this.warmup = warmup;
    this.tls =
        "1".equals(System.getenv("TELMESH_BENCH_TLS"))
            ? Optional.of(BenchTls.create())
            : Optional.empty();
    this.services = services;
    this.pods = pods;
    this.interfaces = interfaces;
    this.clients = clients;
    this.changes = changes;
    MeshState mesh =
        MeshStateBuilder.build(
            BenchMesh.generate(new MeshGenerator.Shape(services, pods, interfaces, 10)));
    MeshTranslation translation = Translator.prepare(mesh);
    this.nodes =
        mesh.workloads().keySet().stream()
            .map(k -> Nodes.forWorkload(mesh, k))
            .limit(clients)
            .toList();
    for (ProxyNode node : nodes) {
      ProxyResources resources = translation.forProxy(node);
      edsNames.put(node.id(), List.copyOf(resources.endpoints().byName().keySet()));
      rdsNames.put(node.id(), List.copyOf(resources.routes().byName().keySet()));
    }
  }

  public static void main(String[] args) throws Exception {
    int services = arg(args, 0, 1000);
    int pods = arg(args, 1, 2000);
    int interfaces = arg(args, 2, 3);
    int clients = arg(args, 3, 2000);
    int changes = arg(args, 4, 10);
    List<String> modes =
        Arrays.asList((args.length > 5 ? args[5] : "ceiling,stock,telmesh").split(",", -1));
    List<String> kinds = Arrays.asList((args.length > 6 ? args[6] : "delta,sotw").split(",", -1));
    int warmup = arg(args, 7, 0);
    LoadHarness harness = new LoadHarness(services, pods, interfaces, clients, changes, warmup);
    System.out.printf(
        "mesh: %d services, %d pods, %d interfaces, %s; %d clients; %d endpoint changes measured"
            + " after %d unmeasured%n",
        services, pods, interfaces, BenchMesh.describe(), clients, changes, warmup);
    System.out.println(harnessHeap());
    harness.tls.ifPresent(t -> System.out.println("over TLS, with client certificates"));
    List<String> rows = new ArrayList<>();
    for (String kind : kinds) {
      for (String mode : modes) {
        rows.add(harness.run(mode, kind.equals("delta")));
      }
    }
    System.out.println();
    System.out.println(
        "| server | clients | full push wall | proxies/s | server CPU/proxy | bytes/proxy | heap/proxy |"
            + " convergence p50 | p99 | server CPU per change | reconnect storm |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  /**
   * The servers fed through a real API server (telmesh's informers, istiod): their sidecars find
   * the names to subscribe in what CDS and LDS send, as Envoy does, since istiod names its own.
   */
  private static boolean onApiServer(String mode) {
    return mode.equals("telmesh-kube") || mode.equals("istiod");
  }

  /**
   * Whether this JVM's heap was touched before the clients started (the class comment says why).
   */
  private static String harnessHeap() {
    boolean preTouched =
        Boolean.parseBoolean(
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("AlwaysPreTouch")
                .getValue());
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return String.format(
        "harness heap: %d of %d MB committed at start, %s",
        heap.getInit() >> 20,
        heap.getMax() >> 20,
        preTouched
            ? "pre-touched"
            : "not pre-touched (-Xms6g -Xmx6g -XX:+AlwaysPreTouch, docs/benchmarks.md)");
  }

  private static int arg(String[] args, int index, int fallback) {
    return args.length > index ? Integer.parseInt(args[index]) : fallback;
  }

  private String run(String mode, boolean delta) throws Exception {
    String kind = delta ? "delta" : "sotw";
    System.out.printf("%n== %s, %d %s clients%n", mode, clients, kind);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // TELMESH_BENCH_SERVER_HEAP=1g: the server's heap limit (the 10,000-sidecar target's 1 GB).
    String heap = System.getenv().getOrDefault("TELMESH_BENCH_SERVER_HEAP", "8g");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx" + heap, "-XX:+UseG1GC"));
    // e.g. -XX:StartFlightRecording=filename=/tmp/server.jfr to profile the server
    String extra = System.getenv("TELMESH_BENCH_SERVER_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(Arrays.asList(extra.trim().split("\\s+")));
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            BenchServer.class.getName(),
            mode,
            Integer.toString(services),
            Integer.toString(pods),
            Integer.toString(interfaces)));
    ProcessBuilder serverProcess =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    tls.ifPresent(t -> serverProcess.environment().put(BenchTls.DIR_VARIABLE, t.dir().toString()));
    Process server = serverProcess.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    PrintWriter in = new PrintWriter(server.getOutputStream(), true, StandardCharsets.UTF_8);
    int port = Integer.parseInt(expect(out, "READY"));
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    ExecutorService executor = Executors.newFixedThreadPool(2);
    ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    List<ManagedChannel> channels = new ArrayList<>();
    Optional<ChannelCredentials> clientTls =
        tls.isPresent() ? Optional.of(tls.get().client()) : Optional.empty();
    List<SimClient> sims = new ArrayList<>();
    try {
      for (ProxyNode node : nodes) {
        NettyChannelBuilder channel =
            (clientTls.isPresent()
                    ? NettyChannelBuilder.forAddress("localhost", port, clientTls.get())
                    : NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext())
                .eventLoopGroup(loops)
                .channelType(NioSocketChannel.class)
                .executor(executor)
                .maxInboundMessageSize(512 * 1024 * 1024);
        // TELMESH_BENCH_CLIENT_WINDOW=262144: a fixed HTTP/2 window per client stream instead of
        // grpc-java's self-tuning one, which on loopback grows to megabytes per stream; at 10,000
        // clients in one process the received, unread bytes ran it out of direct memory.
        String window = System.getenv("TELMESH_BENCH_CLIENT_WINDOW");
        if (window != null && !window.isBlank()) {
          channel.flowControlWindow(Integer.parseInt(window.trim()));
        }
        channels.add(channel.build());
        Node envoyNode =
            Nodes.envoyNode(node.pod().name(), node.pod().namespace(), node.ip(), Map.of());
        sims.add(
            onApiServer(mode)
                ? new SimClient(envoyNode, delta, retries)
                : new SimClient(
                    envoyNode, delta, edsNames.get(node.id()), rdsNames.get(node.id()), retries));
      }
      // One proxy first: the heap baseline includes everything shared.
      sims.get(0).connect(channels.get(0), false);
      await(sims.subList(0, 1));
      long heapOne = Long.parseLong(command(in, out, "HEAP"));
      HeapHistogram histogramOne =
          System.getenv("TELMESH_BENCH_HISTO") != null ? HeapHistogram.of(server.pid()) : null;
      long cpuBefore = Long.parseLong(command(in, out, "CPU"));
      long start = System.nanoTime();
      for (int i = 1; i < sims.size(); i++) {
        sims.get(i).connect(channels.get(i), false);
      }
      boolean complete = await(sims);
      Duration wall = Duration.ofNanos(System.nanoTime() - start);
      long cpu = Long.parseLong(command(in, out, "CPU")) - cpuBefore;
      Thread.sleep(1000);
      long heapAll = Long.parseLong(command(in, out, "HEAP"));
      if (histogramOne != null) {
        // What the heap per proxy is made of: the classes that grew from one proxy to all.
        System.out.print(
            HeapHistogram.of(server.pid()).growthSince(histogramOne, sims.size() - 1, 30));
      }
      long bytes = sims.stream().mapToLong(SimClient::bytes).sum() / sims.size();
      double perProxyHeap = (heapAll - heapOne) / (double) Math.max(1, sims.size() - 1);
      System.out.printf(
          "full push: %s in %d ms (%s), server CPU %.2f ms/proxy, %d bytes/proxy, heap %.1f KB/proxy%n",
          complete ? "complete" : "INCOMPLETE",
          wall.toMillis(),
          kind,
          cpu / 1e6 / (sims.size() - 1),
          bytes,
          perProxyHeap / 1024);

      String convergence = "n/a | n/a";
      String changeCpu = "n/a";
      if (changes > 0) {
        List<Long> samples = new ArrayList<>();
        // Only the sidecars that hold svc0's clusters get its endpoint change (all of them,
        // unless a Sidecar scopes what they see).
        List<SimClient> watching = new ArrayList<>();
        for (SimClient sim : sims) {
          if (sim.edsNames().stream().anyMatch(n -> n.endsWith(FLIPPED))) {
            watching.add(sim);
          }
        }
        // Unmeasured changes first, alike for every server: a JVM compiles the change's path
        // during its first changes, and its JIT's CPU would otherwise be counted as the push's.
        // They need only run the path, not stand apart: a short pause lets each change's ACKs
        // land first, so the next is pushed as a measured one is.
        flips(in, out, watching, 0, warmup, new ArrayList<>(), WARMUP_PAUSE_MS);
        command(in, out, "MARK");
        long cpuChanges = Long.parseLong(command(in, out, "CPU"));
        flips(in, out, watching, warmup, changes, samples, PAUSE_MS);
        // The pauses between changes are idle: the server's CPU over them is the changes' cost.
        changeCpu =
            String.format(
                "%.1f ms", (Long.parseLong(command(in, out, "CPU")) - cpuChanges) / 1e6 / changes);
        Collections.sort(samples);
        convergence =
            samples.isEmpty()
                ? "none | none"
                : String.format(
                    "%.1f ms | %.1f ms",
                    samples.get(samples.size() / 2) / 1000.0,
                    samples.get(
                            (int)
                                Math.min(samples.size() - 1, Math.ceil(samples.size() * 0.99) - 1))
                        / 1000.0);
        System.out.printf(
            "convergence after an endpoint change: p50 | p99 = %s (%d samples of %d expected),"
                + " server CPU %s per change%n",
            convergence, samples.size(), changes * watching.size(), changeCpu);
        // Where the time went, from the server's own timers over the same flips.
        System.out.println("stages: " + command(in, out, "STAGES"));
      }

      String storm = "n/a";
      if (mode.equals("telmesh")) {
        long received = sims.stream().mapToLong(SimClient::bytes).sum();
        sims.forEach(SimClient::disconnect);
        Thread.sleep(1000);
        long cpuStorm = Long.parseLong(command(in, out, "CPU"));
        long stormStart = System.nanoTime();
        for (int i = 0; i < sims.size(); i++) {
          sims.get(i).connect(channels.get(i), true);
        }
        Thread.sleep(2000);
        long stormCpu = Long.parseLong(command(in, out, "CPU")) - cpuStorm;
        long resent = sims.stream().mapToLong(SimClient::bytes).sum() - received;
        storm =
            String.format(
                "%d proxies reconnected with their versions: server CPU %.0f ms, %d bytes re-sent",
                sims.size(), stormCpu / 1e6, resent);
        System.out.println(
            "reconnect storm: "
                + storm
                + " ("
                + (System.nanoTime() - stormStart) / 1_000_000
                + " ms window)");
      }
      return String.format(
          "| %s | %d %s | %.1f s | %.0f | %.2f ms | %d | %.1f KB | %s | %s | %s |",
          mode,
          sims.size(),
          kind,
          wall.toMillis() / 1000.0,
          sims.size() / (wall.toMillis() / 1000.0),
          cpu / 1e6 / (sims.size() - 1),
          bytes,
          perProxyHeap / 1024,
          convergence,
          changeCpu,
          storm);
    } finally {
      retries.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
      boolean stopped =
          loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
      if (!stopped) {
        System.err.println("client event loops did not stop within 10 s");
      }
      executor.shutdownNow();
      in.println("QUIT");
      server.waitFor(30, TimeUnit.SECONDS);
      server.destroyForcibly();
    }
  }

  /**
   * Endpoint changes {@code first} to {@code first + count - 1}, each awaited by every watching
   * sidecar (60 s at most) and followed by a pause; arrival delays in microseconds go to {@code
   * samples}.
   */
  private static void flips(
      PrintWriter in,
      BufferedReader out,
      List<SimClient> watching,
      int first,
      int count,
      List<Long> samples,
      long pauseMillis)
      throws Exception {
    for (int change = first; change < first + count; change++) {
      List<SimClient.EdsWaiter> waiters = watching.stream().map(SimClient::expectEds).toList();
      long changedAt = Long.parseLong(command(in, out, "CHANGE " + change));
      List<Long> delays = new ArrayList<>(waiters.size());
      for (SimClient.EdsWaiter waiter : waiters) {
        if (waiter.arrived.await(60, TimeUnit.SECONDS)) {
          delays.add(ChronoUnit.MICROS.between(Instant.EPOCH, waiter.at) - changedAt);
        }
      }
      samples.addAll(delays);
      if (PER_CHANGE && !delays.isEmpty()) {
        Collections.sort(delays);
        // Which changes make the tail, to be matched against the server's GC and JIT logs.
        System.out.printf(
            "change %d at %d us: p50 %.1f ms, max %.1f ms%n",
            change,
            changedAt,
            delays.get(delays.size() / 2) / 1000.0,
            delays.get(delays.size() - 1) / 1000.0);
      }
      Thread.sleep(pauseMillis);
    }
  }

  private static boolean await(List<SimClient> sims) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    for (SimClient sim : sims) {
      if (!sim.initial().await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        return false;
      }
    }
    return true;
  }

  private static String command(PrintWriter in, BufferedReader out, String command)
      throws Exception {
    in.println(command);
    return expect(out, command.split(" ", 2)[0].equals("CHANGE") ? "CHANGED" : command);
  }

  private static String expect(BufferedReader out, String prefix) throws Exception {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(prefix + " ")) {
        return line.substring(prefix.length() + 1);
      }
    }
    throw new IllegalStateException("server ended before " + prefix);
  }
}
