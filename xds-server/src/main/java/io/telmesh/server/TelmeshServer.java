package io.telmesh.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.telmesh.auth.AuthInterceptor;
import io.telmesh.auth.OperatorOnly;
import io.telmesh.auth.OperatorPolicy;
import io.telmesh.auth.ProxyAuthorizer;
import io.telmesh.ca.IstioCertificateService;
import io.telmesh.debug.CsdsService;
import io.telmesh.debug.DebugTypes;
import io.telmesh.debug.ProxySync;
import io.telmesh.debug.ProxyViews;
import io.telmesh.http.MonitoringServer;
import io.telmesh.http.TelmeshMetrics;
import io.telmesh.model.MeshState;
import io.telmesh.model.Problem;
import io.telmesh.overview.MeshOverview;
import io.telmesh.overview.MeshOverviewBuilder;
import io.telmesh.overview.OverviewSource;
import io.telmesh.push.PushPipeline;
import io.telmesh.resources.ProxyResources;
import io.telmesh.source.MeshSource;
import io.telmesh.source.SourceException;
import io.telmesh.status.ProxyStatusTracker;
import io.telmesh.validate.EnvoyValidator;
import io.telmesh.validate.Violation;
import io.telmesh.xds.DebugResponder;
import io.telmesh.xds.ProxyCache;
import io.telmesh.xds.ProxyRegistry;
import io.telmesh.xds.XdsServices;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running telmesh control plane: xDS over gRPC, monitoring over HTTP, fed by one source. */
public final class TelmeshServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TelmeshServer.class);

  private final ServerOptions options;
  private final MeshSource source;
  private final ProxyCache cache = new ProxyCache();
  private final ProxyRegistry registry = new ProxyRegistry();
  private final TelmeshMetrics metrics;
  private final ProxyStatusTracker tracker;
  private final PushPipeline pipeline;
  private final XdsServices xds;
  private final ProxyViews views;
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<ServerInterceptor> interceptors;
  private final ProxyAuthorizer authorizer;
  private Server grpc;
  private Server secureGrpc;
  private final java.util.concurrent.ScheduledExecutorService tlsReloader =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "tls-reload");
            thread.setDaemon(true);
            return thread;
          });
  private MonitoringServer monitoring;

  public TelmeshServer(ServerOptions options, MeshSource source) {
    this(options, source, List.of());
  }

  /**
   * @param interceptors applied to every gRPC call (auditing, tests); on the plaintext port they
   *     run on gRPC's transport threads, and on the secure port so do the listeners they return for
   *     xDS calls, so neither may block (only {@code interceptCall} on the secure port runs on a
   *     pool)
   */
  public TelmeshServer(
      ServerOptions options, MeshSource source, List<ServerInterceptor> interceptors) {
    this(options, source, interceptors, EnvoyValidator.create()::validate);
  }

  /**
   * @param validator what Envoy would reject in a proxy's resources; Envoy's own rules by default
   *     (tests substitute a stricter one to exercise the hold-back path)
   */
  public TelmeshServer(
      ServerOptions options,
      MeshSource source,
      List<ServerInterceptor> interceptors,
      Function<ProxyResources, List<Violation>> validator) {
    this.options = options;
    this.interceptors = List.copyOf(interceptors);
    this.source = source;
    XdsServices[] services = new XdsServices[1];
    this.metrics =
        new TelmeshMetrics(
            registry::size,
            () -> services[0] == null ? 0 : services[0].openStreams(),
            this::proxiesPerNetwork);
    metrics.watchSource(source::health);
    this.tracker = new ProxyStatusTracker(Clock.systemUTC(), metrics);
    this.pipeline =
        new PushPipeline(
            cache,
            registry,
            metrics,
            options.debounceQuiet(),
            options.debounceMax(),
            Clock.systemUTC(),
            validator,
            options.translation());
    this.views = new ProxyViews(registry, tracker, cache);
    DebugResponder debug =
        new DebugTypes(
            views,
            () -> pipeline.current().map(PushPipeline.Generation::mesh),
            this::problems,
            version(),
            instance());
    this.authorizer =
        new ProxyAuthorizer(
            () -> pipeline.current().map(PushPipeline.Generation::mesh),
            options.secure().map(SecureServing::operators).orElse(OperatorPolicy.NOBODY),
            metrics);
    this.xds =
        new XdsServices(
            cache,
            registry,
            tracker,
            debug,
            authorizer,
            options.sendThreads(),
            options.sendBuffer());
    services[0] = xds;
    metrics.watchSendBuffer(
        xds::sendBufferInUse,
        options.sendBuffer(),
        xds::streamsWaitingToSend,
        xds::sendBufferStalled);
  }

  /** Connected sidecars and proxyless pods of the mesh, by each network their pod is on. */
  private Map<String, Integer> proxiesPerNetwork() {
    Map<String, Integer> counts = new TreeMap<>();
    Optional<PushPipeline.Generation> generation =
        this.pipeline == null ? Optional.empty() : this.pipeline.current();
    generation.ifPresent(
        g -> {
          for (ProxyRegistry.Connection connection : registry.connections()) {
            if (connection.node().isDebugClient()) {
              continue;
            }
            g.mesh()
                .workload(connection.node().pod())
                .ifPresent(
                    workload -> workload.networks().forEach(n -> counts.merge(n, 1, Integer::sum)));
          }
        });
    return counts;
  }

  /** The mesh state's problems, then what the source cannot see right now. */
  private List<Problem> problems() {
    List<Problem> problems = new java.util.ArrayList<>(pipeline.problems());
    problems.addAll(source.health().problems(source.describe()));
    return problems;
  }

  /** The mesh page's data: the current mesh state with the proxies' state at this moment. */
  private OverviewSource overviewSource() {
    return new OverviewSource() {
      @Override
      public MeshOverview overview() {
        Optional<PushPipeline.Generation> generation = pipeline.current();
        return MeshOverviewBuilder.build(
            Clock.systemUTC().instant(),
            generation.map(PushPipeline.Generation::number).orElse(0L),
            pipeline.ready(),
            generation.map(PushPipeline.Generation::mesh).orElse(MeshState.EMPTY),
            views.syncStates(),
            problems());
      }

      @Override
      public List<ProxySync> proxies() {
        return views.syncStates();
      }
    };
  }

  /** The telmesh version, from the jar manifest. */
  public static String version() {
    String version = TelmeshServer.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  private static String instance() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isEmpty()) {
      return pod;
    }
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return "telmesh";
    }
  }

  public TelmeshServer start() throws IOException, SourceException {
    try {
      grpc =
          xdsServer(
                  // Nothing here blocks: this port authenticates no one, and answers that take
                  // long (CSDS, debug types) are built off the transport threads. gRPC's direct
                  // mode, which also deframes inline, took a quarter off the server's CPU per
                  // endpoint change against gRPC's default executor, and an eighth against the
                  // secure port's (docs/benchmarks.md).
                  NettyServerBuilder.forAddress(
                          new InetSocketAddress(options.plaintextBind(), options.xdsPort()))
                      .directExecutor(),
                  interceptors,
                  List.of())
              .start();
    } catch (IOException e) {
      throw cannotListen("xDS", options.plaintextBind(), options.xdsPort(), e);
    }
    if (options.secure().isPresent()) {
      try {
        secureGrpc = startSecure(options.secure().get());
      } catch (IOException e) {
        grpc.shutdownNow();
        throw e;
      }
    }
    monitoring =
        new MonitoringServer(
            new InetSocketAddress(options.bindAddress(), options.monitoringPort()),
            metrics,
            pipeline::ready,
            this::problems,
            overviewSource());
    try {
      monitoring.start();
    } catch (IOException e) {
      grpc.shutdownNow();
      throw cannotListen("monitoring", options.monitoringPort(), e);
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
    source.start(pipeline::submit);
    Thread readiness =
        new Thread(
            () -> {
              try {
                while (!pipeline.awaitReady(Duration.ofSeconds(1))) {
                  if (grpc.isShutdown()) {
                    return;
                  }
                }
                health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "readiness");
    readiness.setDaemon(true);
    readiness.start();
    LOG.info(
        "xDS listening on {}:{}{}, monitoring on {}:{}, serving {}",
        options.plaintextBind(),
        xdsPort(),
        secureGrpc == null
            ? ""
            : ", xDS over TLS on " + options.bindAddress() + ":" + secureGrpc.getPort(),
        options.bindAddress(),
        monitoringPort(),
        source.describe());
    return this;
  }

  /**
   * The xDS services on one port, with keepalive settings Envoy's pings need.
   *
   * @param interceptors in the order they see a call
   * @param more services beside xDS, behind the same interceptors
   */
  private Server xdsServer(
      NettyServerBuilder builder,
      List<ServerInterceptor> interceptors,
      List<BindableService> more) {
    // ServerInterceptors.intercept runs the last one first.
    List<ServerInterceptor> outermostLast = new java.util.ArrayList<>(interceptors);
    java.util.Collections.reverse(outermostLast);
    builder
        // Envoy pings the control plane every 30s (Istio bootstrap); the gRPC default would
        // GOAWAY it.
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(1, TimeUnit.MINUTES)
        .addService(health.getHealthService())
        .addService(
            ServerInterceptors.intercept(
                ServerInterceptors.intercept(
                    new CsdsService(views, xds.offTransport()),
                    new OperatorOnly(authorizer, "CSDS")),
                outermostLast));
    for (ServerServiceDefinition service : xds.services()) {
      builder.addService(ServerInterceptors.intercept(service, outermostLast));
    }
    for (BindableService service : more) {
      builder.addService(ServerInterceptors.intercept(service, outermostLast));
    }
    return builder.build();
  }

  /**
   * The TLS port. The certificate is read now (a missing, broken or mismatched pair stops the start
   * with a clear error) and again when its files change, so new connections get a rotated
   * certificate and open streams stay.
   */
  private Server startSecure(SecureServing serving) throws IOException {
    ServingCertificate certificate = new ServingCertificate(serving.certFile(), serving.keyFile());
    certificate.load();
    var unusedReload =
        tlsReloader.scheduleWithFixedDelay(
            certificate::reloadIfChanged,
            serving.reload().toMillis(),
            serving.reload().toMillis(),
            TimeUnit.MILLISECONDS);
    AdvancedTlsX509KeyManager keys = certificate.keyManager();
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder().keyManager(keys);
    if (serving.clientTrustBundle().isPresent()) {
      tls.trustManager(serving.clientTrustBundle().get().toFile())
          .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL);
    }
    ServerCredentials credentials = tls.build();
    List<ServerInterceptor> chain = new java.util.ArrayList<>();
    if (serving.authenticators().isEmpty()) {
      LOG.warn(
          "xDS over TLS authenticates no one: every caller that completes a handshake is served");
    } else {
      chain.add(new AuthInterceptor(serving.authenticators(), metrics));
    }
    chain.addAll(interceptors);
    try {
      return xdsServer(
              xds.startCallsOnPool(
                  NettyServerBuilder.forAddress(
                      new InetSocketAddress(options.bindAddress(), serving.port()), credentials)),
              chain,
              serving
                  .workloadCa()
                  .<List<BindableService>>map(ca -> List.of(new IstioCertificateService(ca)))
                  .orElse(List.of()))
          .start();
    } catch (IOException e) {
      throw cannotListen("xDS over TLS", options.bindAddress(), serving.port(), e);
    }
  }

  /** "cannot listen on 0.0.0.0:15010 (xDS): address already in use", from a bind failure. */
  private IOException cannotListen(String what, int port, IOException e) {
    return cannotListen(what, options.bindAddress(), port, e);
  }

  private IOException cannotListen(String what, String address, int port, IOException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? "" : root.getMessage().toLowerCase(java.util.Locale.ROOT);
    // Netty's native transport words it "bind(..) failed with error(-98): ...": keep the words.
    String reason =
        message.contains("already in use")
            ? "address already in use"
            : message.contains("permission denied")
                ? "permission denied (ports below 1024 need privileges)"
                : message.contains("cannot assign requested address")
                    ? "the address is not on this machine"
                    : message.isEmpty() ? "cannot bind" : message.replaceAll("^.*\\): ", "");
    return new IOException(
        "cannot listen on " + address + ":" + port + " (" + what + "): " + reason, e);
  }

  public int xdsPort() {
    return grpc.getPort();
  }

  /** Where the plaintext xDS port listens. */
  public List<? extends java.net.SocketAddress> plaintextListenAddresses() {
    return grpc.getListenSockets();
  }

  /** The TLS xDS port; empty when it is off. */
  public Optional<Integer> secureXdsPort() {
    return Optional.ofNullable(secureGrpc).map(Server::getPort);
  }

  /** xDS streams open right now, whatever state they are in. */
  public int openStreams() {
    return xds.openStreams();
  }

  /** Bytes of responses handed to gRPC and not yet written to their proxies. */
  public long sendBufferInUse() {
    return xds.sendBufferInUse();
  }

  public int monitoringPort() {
    return monitoring.port();
  }

  /** The server's meters (what {@code /metrics} serves). */
  public TelmeshMetrics metrics() {
    return metrics;
  }

  public PushPipeline pipeline() {
    return pipeline;
  }

  public ProxyRegistry registry() {
    return registry;
  }

  public ProxyStatusTracker tracker() {
    return tracker;
  }

  public ProxyCache cache() {
    return cache;
  }

  public MeshSource source() {
    return source;
  }

  /**
   * Stops accepting, ends every stream with UNAVAILABLE (proxies reconnect elsewhere), then stops.
   */
  @Override
  public void close() {
    LOG.info("shutting down: closing {} xDS streams", xds.openStreams());
    health.enterTerminalState();
    List<Server> servers =
        java.util.stream.Stream.of(grpc, secureGrpc).filter(java.util.Objects::nonNull).toList();
    servers.forEach(Server::shutdown);
    xds.closeStreams("telmesh is shutting down");
    for (Server server : servers) {
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    tlsReloader.shutdownNow();
    if (monitoring != null) {
      monitoring.close();
    }
    source.close();
    pipeline.close();
    xds.close();
    metrics.close();
    LOG.info("stopped");
  }
}
