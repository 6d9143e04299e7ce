package io.telmesh.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.telmesh.logging.LogFormat;
import io.telmesh.logging.Logging;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.SidecarIds;
import io.telmesh.server.SecureServing;
import io.telmesh.server.ServerOptions;
import io.telmesh.server.TelmeshServer;
import io.telmesh.source.KubernetesSource;
import io.telmesh.source.ManifestDirectorySource;
import io.telmesh.source.MeshSource;
import io.telmesh.source.SourceException;
import io.telmesh.source.StaticSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code telmesh serve}: run the control plane. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run the xDS control plane (ADS SotW and delta, LDS/CDS/RDS/EDS) and its monitoring endpoint.")
final class ServeCommand implements java.util.concurrent.Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin ManifestLimitOptions limits = new ManifestLimitOptions();

  @ArgGroup(exclusive = true)
  Source source = new Source();

  static final class Source {
    @Option(
        names = "--manifests",
        paramLabel = "DIR",
        description = "Serve a directory of manifests (watched).")
    Path manifests;

    @Option(
        names = "--kubeconfig",
        paramLabel = "FILE",
        description = "Watch the Kubernetes API of this kubeconfig.")
    Path kubeconfig;

    @Option(
        names = "--kubernetes",
        description = "Watch the Kubernetes API (in-cluster config, else $KUBECONFIG).")
    boolean kubernetes;
  }

  @Option(
      names = "--namespace",
      paramLabel = "NS",
      description = "With the Kubernetes API: watch this namespace only.")
  String namespace;

  @Option(
      names = "--xds-port",
      defaultValue = "15010",
      converter = PortConverter.class,
      description = "gRPC xDS port (default: ${DEFAULT-VALUE}).")
  int xdsPort;

  @Option(
      names = "--monitoring-port",
      defaultValue = "15014",
      converter = PortConverter.class,
      description = "HTTP monitoring port (default: ${DEFAULT-VALUE}).")
  int monitoringPort;

  @Option(
      names = "--secure-port",
      converter = PortConverter.class,
      paramLabel = "PORT",
      description =
          "Also serve xDS over TLS on this port (Istio's is 15012), with --tls-cert and --tls-key."
              + " The plaintext --xds-port then listens on --plaintext-bind only.")
  Integer securePort;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "PEM certificate chain for --secure-port; read again every 10 s, so a rotated file is"
              + " used for new connections while open streams stay.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--plaintext-bind",
      defaultValue = SecureServing.LOOPBACK,
      paramLabel = "ADDRESS",
      description =
          "With --secure-port: where the plaintext xDS port listens (default: ${DEFAULT-VALUE});"
              + " it authenticates no one, so anything else is a deliberate choice.")
  String plaintextBind;

  @Option(
      names = "--bind",
      defaultValue = "0.0.0.0",
      description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--debounce",
      defaultValue = "100ms",
      converter = DurationConverter.class,
      description = "Push this long after the last change (default: ${DEFAULT-VALUE}).")
  Duration debounce;

  @Option(
      names = "--debounce-max",
      defaultValue = "1s",
      converter = DurationConverter.class,
      description = "...but no later than this after the first change (default: ${DEFAULT-VALUE}).")
  Duration debounceMax;

  @Option(
      names = "--rescan",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "With --manifests: full rescan interval besides file events (default: ${DEFAULT-VALUE}).")
  Duration rescan;

  @Option(
      names = "--log-level",
      defaultValue = "info",
      paramLabel = "LEVEL",
      converter = LogLevelConverter.class,
      description =
          "error, warn, info, debug or trace; at debug, libraries log at it too"
              + " (default: ${DEFAULT-VALUE}).")
  ch.qos.logback.classic.Level logLevel;

  @Option(
      names = "--log-format",
      defaultValue = "text",
      paramLabel = "text|json",
      converter = LogFormatConverter.class,
      description = "One line per event, as text or as JSON objects (default: ${DEFAULT-VALUE}).")
  LogFormat logFormat;

  @Option(
      names = "--access-log-default",
      description =
          "Sidecars write a JSON access log line per connection and request to their stdout unless"
              + " their pod's telmesh.io/access-log annotation or their TELMESH_ACCESS_LOG node"
              + " metadata says otherwise (default: off).")
  boolean accessLogDefault;

  /** The server options of this command line. */
  ServerOptions options() {
    ServerOptions options =
        new ServerOptions(
            bind,
            xdsPort,
            monitoringPort,
            debounce,
            debounceMax,
            ServerOptions.defaults().sendThreads(),
            accessLogDefault);
    if (securePort == null) {
      if (tlsCert != null || tlsKey != null) {
        throw UserError.usage("--tls-cert and --tls-key need --secure-port");
      }
      return options;
    }
    if (tlsCert == null || tlsKey == null) {
      throw UserError.usage(
          "--secure-port needs --tls-cert and --tls-key (the serving certificate and its key)");
    }
    return options.withSecure(
        new SecureServing(
            securePort, tlsCert, tlsKey, SecureServing.DEFAULT_RELOAD, plaintextBind));
  }

  @Override
  public Integer call() throws Exception {
    Logging.configure(logLevel, logFormat);
    PrintWriter out = spec.commandLine().getOut();
    ServerOptions options = options();
    TelmeshServer server = new TelmeshServer(options, source());
    try {
      server.start();
    } catch (IOException e) {
      throw new UserError(e.getMessage());
    } catch (SourceException e) {
      server.close();
      throw new UserError(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "shutdown"));
    out.printf("telmesh %s serving %s%n", TelmeshServer.version(), server.source().describe());
    out.printf(
        "  xDS (ADS state-of-the-world and delta, LDS/CDS/RDS/EDS, gRPC health) on %s:%d%n",
        options.plaintextBind(), server.xdsPort());
    server.secureXdsPort().ifPresent(port -> out.printf("  xDS over TLS on %s:%d%n", bind, port));
    out.printf(
        "  monitoring on http://%s:%d (/metrics, /ready, /debug/problems)%n",
        bind, server.monitoringPort());
    out.flush();
    if (server.pipeline().awaitReady(Duration.ofMinutes(5))) {
      server.pipeline().current().ifPresent(g -> printKnownProxies(out, g.mesh()));
    }
    stopped.await();
    return 0;
  }

  private void printKnownProxies(PrintWriter out, MeshState mesh) {
    out.printf(
        "  knows %d pods, %d services, %d problems (see /debug/problems); sidecar node ids:%n",
        mesh.workloads().size(), mesh.services().size(), mesh.problems().size());
    for (Workload workload : mesh.workloads().values()) {
      out.printf("    %s%n", SidecarIds.id(workload));
    }
    out.flush();
  }

  private MeshSource source() throws IOException {
    if (source.manifests != null) {
      if (!Files.isDirectory(source.manifests)) {
        // Before anything listens: a typo must not start (and then stop) a server.
        throw new UserError("--manifests " + source.manifests + ": no such directory");
      }
      return new ManifestDirectorySource(source.manifests, rescan, limits.limits());
    }
    if (source.kubeconfig != null || source.kubernetes) {
      Config config;
      if (source.kubeconfig != null) {
        if (!Files.isReadable(source.kubeconfig)) {
          throw new UserError("kubeconfig " + source.kubeconfig + " cannot be read");
        }
        config = Config.fromKubeconfig(source.kubeconfig.toFile());
      } else {
        config = Config.autoConfigure(null);
      }
      KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
      return new KubernetesSource(client, Optional.ofNullable(namespace));
    }
    return StaticSource.bundledDemo();
  }
}
