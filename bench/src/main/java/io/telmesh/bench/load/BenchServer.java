package io.telmesh.bench.load;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.telmesh.envoy.Protos;
import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.source.MeshSource;
import io.telmesh.testing.MeshGenerator;
import io.telmesh.testing.Nodes;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One server under load, alone in its JVM, driven over stdin/stdout by {@link LoadHarness}. Modes:
 * {@code telmesh} (the real server), {@code stock} (java-control-plane as its README shows:
 * SimpleCache, one snapshot per node, default serializer and executor) and {@code ceiling} (a plain
 * gRPC stream writing the same pre-serialized bytes to every client). In the harness's TLS mode
 * ({@link BenchTls}) telmesh and the ceiling serve over TLS, telmesh on its secure port.
 */
public final class BenchServer {

  private BenchServer() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    MeshGenerator.Shape shape =
        new MeshGenerator.Shape(
            Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), 10);
    if (BenchTls.fromEnvironment().isPresent() && !Set.of("telmesh", "ceiling").contains(mode)) {
      throw new IllegalArgumentException(
          "the TLS mode serves telmesh and the ceiling only: " + mode);
    }
    KubeObjects objects = BenchMesh.generate(shape);
    Mode server =
        switch (mode) {
          case "telmesh" -> new TelmeshMode(objects);
          case "stock" -> new StockMode(objects);
          case "ceiling" -> new CeilingMode(objects);
          case "telmesh-kube" -> new TelmeshKubeMode(objects);
          case "istiod" -> new IstiodMode(objects);
          default -> throw new IllegalArgumentException(mode);
        };
    System.out.println("READY " + server.port());
    System.out.flush();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] command = line.split(" ", -1);
      switch (command[0]) {
        case "CHANGE" ->
            System.out.println("CHANGED " + micros(server.change(Integer.parseInt(command[1]))));
        case "MARK" -> {
          server.stages().ifPresent(StageWindow::mark);
          System.out.println("MARK ok");
        }
        case "STAGES" ->
            System.out.println("STAGES " + server.stages().map(StageWindow::since).orElse("n/a"));
        case "HEAP" -> System.out.println("HEAP " + server.heapBytes());
        case "CPU" -> System.out.println("CPU " + server.cpuNanos());
        case "QUIT" -> {
          server.close();
          System.out.println("BYE");
          System.out.flush();
          System.exit(0);
        }
        default -> System.out.println("ERROR unknown command " + line);
      }
      System.out.flush();
    }
  }

  static long micros(Instant at) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, at);
  }

  /** An endpoint readiness flip in the first Service's slice: an endpoint-only change. */
  static KubeObjects withEndpointFlip(KubeObjects objects, int change) {
    List<EndpointSlice> slices = new ArrayList<>();
    for (EndpointSlice slice : objects.endpointSlices()) {
      slices.add(
          slice.getMetadata().getName().equals(FLIPPED_SLICE) ? flipped(slice, change) : slice);
    }
    return new KubeObjects(
        objects.services(),
        slices,
        objects.pods(),
        objects.networkAttachments(),
        List.of(),
        objects.istioObjects());
  }

  /** The slice whose first endpoint's readiness every change flips. */
  static final String FLIPPED_SLICE = "svc0-slice";

  /** {@code slice} after change {@code change}: its first endpoint ready on odd changes. */
  static EndpointSlice flipped(EndpointSlice slice, int change) {
    return new EndpointSliceBuilder(slice)
        .editFirstEndpoint()
        .withNewConditions()
        .withReady(change % 2 == 1)
        .endConditions()
        .endEndpoint()
        .build();
  }

  static List<ProxyNode> nodes(MeshState mesh) {
    return mesh.workloads().keySet().stream().map(k -> Nodes.forWorkload(mesh, k)).toList();
  }

  interface Mode extends AutoCloseable {
    int port();

    /** The server's live heap: this JVM's, after garbage collection. */
    default long heapBytes() throws Exception {
      for (int i = 0; i < 3; i++) {
        System.gc();
        Thread.sleep(200);
      }
      Runtime rt = Runtime.getRuntime();
      return rt.totalMemory() - rt.freeMemory();
    }

    /** The server's CPU time so far: this JVM's. */
    default long cpuNanos() throws Exception {
      return ((com.sun.management.OperatingSystemMXBean)
              ManagementFactory.getOperatingSystemMXBean())
          .getProcessCpuTime();
    }

    Instant change(int change) throws Exception;

    /** The server's push-stage timers (telmesh only): a window per MARK, read by STAGES. */
    default Optional<StageWindow> stages() {
      return Optional.empty();
    }

    @Override
    void close();
  }

  static final class TelmeshMode implements Mode {
    private final KubeObjects objects;
    private final TelmeshServer server;
    private Consumer<KubeObjects> sink;
    private final StageWindow stages;

    TelmeshMode(KubeObjects objects) throws Exception {
      this.objects = objects;
      MeshSource source =
          new MeshSource() {
            @Override
            public void start(Consumer<KubeObjects> s) {
              sink = s;
              s.accept(objects);
            }

            @Override
            public String describe() {
              return "generated mesh";
            }

            @Override
            public void close() {}
          };
      ServerOptions options =
          new ServerOptions("127.0.0.1", 0, 0, Duration.ofMillis(1), Duration.ofMillis(100), 2);
      server =
          new TelmeshServer(
                  BenchTls.fromEnvironment()
                      .map(tls -> options.withSecure(tls.telmesh()))
                      .orElse(options),
                  source,
                  List.of())
              .start();
      if (!server.pipeline().awaitReady(Duration.ofMinutes(2))) {
        throw new IllegalStateException("not ready");
      }
      stages = new StageWindow(server.metrics().registry());
    }

    @Override
    public Optional<StageWindow> stages() {
      return Optional.of(stages);
    }

    @Override
    public int port() {
      return server.secureXdsPort().orElse(server.xdsPort());
    }

    @Override
    public Instant change(int change) {
      Instant at = Instant.now();
      sink.accept(withEndpointFlip(objects, change));
      return at;
    }

    @Override
    public void close() {
      server.close();
    }
  }

  static final class StockMode implements Mode {
    private final KubeObjects objects;
    private final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
    private final Server grpc;

    StockMode(KubeObjects objects) throws Exception {
      this.objects = objects;
      snapshots(objects, "v0");
      grpc =
          NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
              .build()
              .start();
    }

    /** Stock usage: translate every node and set one snapshot per node with one version. */
    private void snapshots(KubeObjects objects, String version) {
      MeshState mesh = MeshStateBuilder.build(objects);
      MeshTranslation translation = Translator.prepare(mesh);
      for (ProxyNode node : nodes(mesh)) {
        ProxyResources r = translation.forProxy(node);
        cache.setSnapshot(
            node.id(),
            Snapshot.create(
                r.clusters().all(),
                r.endpoints().all(),
                r.listeners().all(),
                r.routes().all(),
                List.of(),
                version));
      }
    }

    @Override
    public int port() {
      return grpc.getPort();
    }

    @Override
    public Instant change(int change) {
      Instant at = Instant.now();
      snapshots(withEndpointFlip(objects, change), "v" + (change + 1));
      return at;
    }

    @Override
    public void close() {
      grpc.shutdownNow();
    }
  }

  /**
   * The same pre-serialized responses (one representative proxy's) written to every client; on a
   * change, the pre-serialized EDS answer (one assignment for delta, all of them for SotW) written
   * to every open stream: the machine's floor for full push and convergence.
   */
  static final class CeilingMode implements Mode {
    private final Map<String, byte[]> sotw = new java.util.HashMap<>();
    private final Map<String, byte[]> delta = new java.util.HashMap<>();
    private byte[] deltaChange;
    private byte[] sotwChange;
    private final Map<StreamObserver<byte[]>, Boolean> open =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final Server grpc;

    CeilingMode(KubeObjects objects) throws Exception {
      MeshState mesh = MeshStateBuilder.build(objects);
      ProxyResources r = Translator.prepare(mesh).forProxy(nodes(mesh).get(0));
      prepare(SimClient.CDS, r.clusters().all());
      prepare(SimClient.EDS, r.endpoints().all());
      prepare(SimClient.LDS, r.listeners().all());
      prepare(SimClient.RDS, r.routes().all());
      deltaChange =
          DeltaDiscoveryResponse.newBuilder()
              .setTypeUrl(SimClient.EDS)
              .setSystemVersionInfo("2")
              .setNonce("2")
              .addResources(
                  Resource.newBuilder()
                      .setName("r1")
                      .setVersion("2")
                      .setResource(Protos.pack(r.endpoints().all().get(0))))
              .build()
              .toByteArray();
      // SotW too: an EDS answer may carry only the changed assignment (the protocol allows it
      // for types asked for by name), so the floor sends one, as delta does.
      sotwChange =
          DiscoveryResponse.newBuilder()
              .setTypeUrl(SimClient.EDS)
              .setVersionInfo("2")
              .setNonce("2")
              .addResources(Protos.pack(r.endpoints().all().get(0)))
              .build()
              .toByteArray();
      MethodDescriptor.Marshaller<byte[]> raw =
          new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
              return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
              throw new UnsupportedOperationException();
            }
          };
      MethodDescriptor<DiscoveryRequest, byte[]> sotwMethod =
          AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod().toBuilder(
                  ProtoUtils.marshaller(DiscoveryRequest.getDefaultInstance()), raw)
              .build();
      MethodDescriptor<DeltaDiscoveryRequest, byte[]> deltaMethod =
          AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod().toBuilder(
                  ProtoUtils.marshaller(DeltaDiscoveryRequest.getDefaultInstance()), raw)
              .build();
      ServerServiceDefinition service =
          ServerServiceDefinition.builder(AggregatedDiscoveryServiceGrpc.SERVICE_NAME)
              .addMethod(
                  sotwMethod,
                  ServerCalls.asyncBidiStreamingCall(
                      out -> {
                        open.put(out, false);
                        return new Answer<>(
                            out,
                            sotw,
                            DiscoveryRequest::getTypeUrl,
                            DiscoveryRequest::getResponseNonce);
                      }))
              .addMethod(
                  deltaMethod,
                  ServerCalls.asyncBidiStreamingCall(
                      out -> {
                        open.put(out, true);
                        return new Answer<>(
                            out,
                            delta,
                            DeltaDiscoveryRequest::getTypeUrl,
                            DeltaDiscoveryRequest::getResponseNonce);
                      }))
              .build();
      InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
      Optional<BenchTls> tls = BenchTls.fromEnvironment();
      grpc =
          (tls.isPresent()
                  ? NettyServerBuilder.forAddress(loopback, tls.get().ceiling())
                  : NettyServerBuilder.forAddress(loopback))
              .addService(service)
              .build()
              .start();
    }

    private void prepare(String type, List<? extends com.google.protobuf.Message> resources) {
      DiscoveryResponse.Builder s =
          DiscoveryResponse.newBuilder().setTypeUrl(type).setVersionInfo("1").setNonce("1");
      DeltaDiscoveryResponse.Builder d =
          DeltaDiscoveryResponse.newBuilder()
              .setTypeUrl(type)
              .setSystemVersionInfo("1")
              .setNonce("1");
      int i = 0;
      for (var resource : resources) {
        Any any = Protos.pack(resource);
        s.addResources(any);
        d.addResources(Resource.newBuilder().setName("r" + ++i).setVersion("1").setResource(any));
      }
      sotw.put(type, s.build().toByteArray());
      delta.put(type, d.build().toByteArray());
    }

    /** Answers each new subscription with the prepared bytes; ignores ACKs. */
    private record Answer<Q>(
        StreamObserver<byte[]> out,
        Map<String, byte[]> bytes,
        java.util.function.Function<Q, String> type,
        java.util.function.Function<Q, String> nonce)
        implements StreamObserver<Q> {
      @Override
      public void onNext(Q request) {
        if (nonce.apply(request).isEmpty()) {
          synchronized (out) {
            out.onNext(bytes.get(type.apply(request)));
          }
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    }

    @Override
    public int port() {
      return grpc.getPort();
    }

    @Override
    public Instant change(int change) {
      Instant at = Instant.now();
      open.forEach(
          (out, isDelta) -> {
            synchronized (out) {
              out.onNext(isDelta ? deltaChange : sotwChange);
            }
          });
      return at;
    }

    @Override
    public void close() {
      grpc.shutdownNow();
    }
  }
}
