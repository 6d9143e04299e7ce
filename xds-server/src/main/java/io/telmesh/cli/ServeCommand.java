package io.telmesh.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.telmesh.auth.Authenticator;
import io.telmesh.auth.OperatorPolicy;
import io.telmesh.auth.SpiffeAuthenticator;
import io.telmesh.auth.TokenReviewAuthenticator;
import io.telmesh.ca.CaSecret;
import io.telmesh.ca.RootCertPublisher;
import io.telmesh.ca.SelfManagedCa;
import io.telmesh.ca.WorkloadCertificates;
import io.telmesh.logging.LogFormat;
import io.telmesh.logging.Logging;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.OutboundTrafficPolicy;
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
import io.telmesh.translate.TranslationSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);

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
      names = "--ca-secret",
      paramLabel = "NS/NAME",
      description =
          "With --secure-port and no --tls-cert: the Secret holding telmesh's own CA, made on first"
              + " start and shared by replicas (default: $POD_NAMESPACE/telmesh-ca, else"
              + " telmesh-system/telmesh-ca).")
  String caSecret;

  @Option(
      names = "--tls-name",
      split = ",",
      paramLabel = "NAME",
      description =
          "With the own CA: names of the serving certificate, what clients dial (default: the"
              + " telmesh Service's DNS names in its namespace, localhost and 127.0.0.1).")
  List<String> tlsNames;

  @Option(
      names = "--root-configmap",
      defaultValue = RootCertPublisher.DEFAULT_NAME,
      paramLabel = "NAME",
      description =
          "With the own CA: the ConfigMap (key root-cert.pem) its root is published as in every"
              + " watched namespace, for pods to mount (default: ${DEFAULT-VALUE}, as istiod).")
  String rootConfigMap;

  @Option(
      names = "--plaintext-bind",
      defaultValue = SecureServing.LOOPBACK,
      paramLabel = "ADDRESS",
      description =
          "With --secure-port: where the plaintext xDS port listens (default: ${DEFAULT-VALUE});"
              + " it authenticates no one, so anything else is a deliberate choice.")
  String plaintextBind;

  @Option(
      names = "--client-auth",
      split = ",",
      paramLabel = "token|certificate|none",
      description =
          "With --secure-port: how callers prove who they are, tried in this order. token: a"
              + " service-account token in \"authorization: Bearer\", checked with the Kubernetes"
              + " TokenReview API (needs --kubernetes or --kubeconfig); certificate: a client"
              + " certificate with a spiffe://<trust-domain>/ns/<ns>/sa/<sa> URI SAN chained to"
              + " --client-ca; none: TLS only, every caller served (default: token with the"
              + " Kubernetes API, else required).")
  List<String> clientAuth;

  @Option(
      names = "--token-audience",
      split = ",",
      defaultValue = TokenReviewAuthenticator.ISTIO_AUDIENCE,
      paramLabel = "AUDIENCE",
      description =
          "Audiences a token must be issued for (default: ${DEFAULT-VALUE}, the audience of"
              + " Istio's istio-token).")
  List<String> tokenAudiences;

  @Option(
      names = "--client-ca",
      paramLabel = "FILE",
      description =
          "PEM trust bundle client certificates must chain to (--client-auth certificate).")
  Path clientCa;

  @Option(
      names = "--trust-domain",
      defaultValue = "cluster.local",
      paramLabel = "DOMAIN",
      description =
          "SPIFFE trust domain (Istio's meshConfig.trustDomain): of client certificates, and of"
              + " the identities mutual TLS clusters expect (default: ${DEFAULT-VALUE}).")
  String trustDomain;

  @Option(
      names = "--operator-namespace",
      split = ",",
      paramLabel = "NS",
      description =
          "Service accounts of this namespace may read debug types, CSDS and any proxy's config on"
              + " --secure-port (default: $POD_NAMESPACE, telmesh's own, when set).")
  List<String> operatorNamespaces;

  @Option(
      names = "--operator-group",
      split = ",",
      paramLabel = "GROUP",
      description = "Members of this group (as TokenReview reports it) are operators too.")
  List<String> operatorGroups = List.of();

  @Option(
      names = "--operator-user",
      split = ",",
      paramLabel = "USER",
      description = "This user (system:serviceaccount:ns:sa, or a SPIFFE ID) is an operator too.")
  List<String> operatorUsers = List.of();

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
      names = "--send-buffer",
      paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      description =
          "Responses handed to gRPC and not yet read by their proxies, across all streams, in"
              + " bytes; past it, proxies are sent their config in turn (default: a quarter of the"
              + " heap limit).")
  Long sendBuffer;

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

  @Option(
      names = "--root-namespace",
      defaultValue = TranslationSettings.DEFAULT_ROOT_NAMESPACE,
      paramLabel = "NAMESPACE",
      description =
          "Istio's meshConfig.rootNamespace: its Sidecar without workloadSelector is the default of"
              + " namespaces that have none (default: ${DEFAULT-VALUE}).")
  String rootNamespace;

  @Option(
      names = "--outbound-traffic-policy",
      defaultValue = "ALLOW_ANY",
      paramLabel = "ALLOW_ANY|REGISTRY_ONLY",
      description =
          "Istio's meshConfig.outboundTrafficPolicy.mode, for sidecars whose Sidecar sets none:"
              + " ALLOW_ANY passes unknown destinations through, REGISTRY_ONLY drops them"
              + " (default: ${DEFAULT-VALUE}).")
  OutboundTrafficPolicy outboundTrafficPolicy;

  /** The server options of this command line, without a Kubernetes API to review tokens with. */
  ServerOptions options() {
    return options(Optional.empty());
  }

  /** The server options of this command line. */
  ServerOptions options(Optional<KubernetesClient> kubernetes) {
    // SPIFFE's rule for a trust domain; it goes verbatim into every identity and certificate.
    if (!trustDomain.matches("[a-z0-9._-]{1,255}")) {
      throw UserError.usage(
          "--trust-domain is not a trust domain: 1-255 lowercase letters, digits, '.', '-' and"
              + " '_'");
    }
    ServerOptions options =
        new ServerOptions(
                bind,
                xdsPort,
                monitoringPort,
                debounce,
                debounceMax,
                ServerOptions.defaults().sendThreads(),
                accessLogDefault)
            .withTranslation(
                new TranslationSettings(
                    accessLogDefault, rootNamespace, outboundTrafficPolicy, trustDomain))
            .withSendBuffer(sendBuffer == null ? ServerOptions.defaultSendBuffer() : sendBuffer);
    if (securePort == null) {
      if (tlsCert != null || tlsKey != null) {
        throw UserError.usage("--tls-cert and --tls-key need --secure-port");
      }
      if (clientAuth != null || clientCa != null) {
        throw UserError.usage("--client-auth and --client-ca need --secure-port");
      }
      return options;
    }
    Path cert = tlsCert;
    Path key = tlsKey;
    if (cert == null && key == null && kubernetes.isPresent()) {
      Path directory = selfManagedDirectory();
      cert = directory.resolve("tls.crt");
      key = directory.resolve("tls.key");
    } else if (cert == null || key == null) {
      throw UserError.usage(
          "--secure-port needs --tls-cert and --tls-key (the serving certificate and its key), or"
              + " the Kubernetes API (--kubernetes or --kubeconfig) for telmesh's own CA");
    }
    SecureServing serving =
        new SecureServing(securePort, cert, key, SecureServing.DEFAULT_RELOAD, plaintextBind);
    return options.withSecure(clientAuthentication(serving, kubernetes));
  }

  private Path selfManaged;

  /** Where this replica's own serving certificate is written: a directory only it can read. */
  private Path selfManagedDirectory() {
    if (selfManaged == null) {
      try {
        selfManaged =
            Files.createTempDirectory(
                "telmesh-tls",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      } catch (IOException e) {
        throw new UserError(
            "cannot make a directory for the serving certificate: " + e.getMessage());
      }
    }
    return selfManaged;
  }

  /** The own CA's settings, when the secure port runs on it. */
  Optional<SelfManagedCa> selfManagedCa(Optional<KubernetesClient> kubernetes) {
    if (securePort == null || tlsCert != null || tlsKey != null || kubernetes.isEmpty()) {
      if (caSecret != null || tlsNames != null) {
        throw UserError.usage(
            "--ca-secret and --tls-name are for telmesh's own CA: --secure-port with the"
                + " Kubernetes API and without --tls-cert");
      }
      return Optional.empty();
    }
    String own = System.getenv("POD_NAMESPACE");
    String home = own == null || own.isEmpty() ? "telmesh-system" : own;
    NamespacedName secret;
    if (caSecret == null) {
      secret = new NamespacedName(home, "telmesh-ca");
    } else {
      String[] parts = caSecret.split("/", -1);
      if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
        throw UserError.usage("--ca-secret '" + caSecret + "' is not NAMESPACE/NAME");
      }
      secret = new NamespacedName(parts[0], parts[1]);
    }
    List<String> names =
        tlsNames != null
            ? tlsNames
            : List.of(
                "telmesh." + home + ".svc",
                "telmesh." + home + ".svc.cluster.local",
                "localhost",
                "127.0.0.1");
    return Optional.of(new SelfManagedCa(secret, names, rootConfigMap));
  }

  /** Who the secure port lets in, and who among them is an operator. */
  private SecureServing clientAuthentication(
      SecureServing serving, Optional<KubernetesClient> kubernetes) {
    List<String> methods =
        clientAuth != null ? clientAuth : kubernetes.isPresent() ? List.of("token") : List.of();
    if (methods.isEmpty()) {
      throw UserError.usage(
          "--secure-port without the Kubernetes API needs --client-auth certificate (with"
              + " --client-ca) or --client-auth none (TLS only, every caller served)");
    }
    if (methods.contains("none") && methods.size() > 1) {
      throw UserError.usage("--client-auth none cannot be combined with other methods");
    }
    List<Authenticator> authenticators = new ArrayList<>();
    for (String method : methods) {
      switch (method) {
        case "none" -> {}
        case "token" ->
            authenticators.add(
                new TokenReviewAuthenticator(
                    kubernetes
                        .orElseThrow(
                            () ->
                                UserError.usage(
                                    "--client-auth token needs the Kubernetes API (--kubernetes"
                                        + " or --kubeconfig) to review tokens with"))
                        .authentication()
                        .v1()
                        .tokenReviews(),
                    tokenAudiences,
                    Clock.systemUTC(),
                    Duration.ofSeconds(30)));
        case "certificate" -> {
          if (clientCa == null) {
            throw UserError.usage("--client-auth certificate needs --client-ca");
          }
          if (!Files.isReadable(clientCa)) {
            throw UserError.usage("--client-ca " + clientCa + " cannot be read");
          }
          authenticators.add(new SpiffeAuthenticator(trustDomain));
        }
        default ->
            throw UserError.usage(
                "--client-auth " + method + ": expected token, certificate or none");
      }
    }
    if (clientCa != null && !methods.contains("certificate")) {
      throw UserError.usage("--client-ca is for --client-auth certificate");
    }
    List<String> namespaces = operatorNamespaces;
    if (namespaces == null) {
      String own = System.getenv("POD_NAMESPACE");
      namespaces = own == null || own.isEmpty() ? List.of() : List.of(own);
    }
    return serving.withClientAuth(
        Optional.ofNullable(clientCa),
        authenticators,
        new OperatorPolicy(
            Set.copyOf(namespaces), Set.copyOf(operatorGroups), Set.copyOf(operatorUsers)));
  }

  @Override
  public Integer call() throws Exception {
    Logging.configure(logLevel, logFormat);
    PrintWriter out = spec.commandLine().getOut();
    Optional<KubernetesClient> kubernetes = kubernetesClient();
    ServerOptions options = options(kubernetes);
    Optional<SelfManagedCa> ownCa = selfManagedCa(kubernetes);
    SelfManagedCa.Running ca = null;
    if (ownCa.isPresent()) {
      try {
        ca =
            ownCa
                .get()
                .start(
                    kubernetes.orElseThrow(),
                    Optional.ofNullable(namespace),
                    selfManagedDirectory());
      } catch (CaSecret.CaException | IOException e) {
        throw new UserError(e.getMessage());
      }
    }
    SelfManagedCa.Running runningCa = ca;
    if (ca != null) {
      options =
          options.withSecure(
              options
                  .secure()
                  .orElseThrow()
                  .withWorkloadCa(WorkloadCertificates.of(ca.ca(), trustDomain)));
    } else if (options.secure().isPresent()) {
      LOG.info(
          "workload certificates (Istio's CreateCertificate) are not served: the secure port's"
              + " certificate comes from files, so telmesh holds no CA key");
    }
    TelmeshServer server = new TelmeshServer(options, source(kubernetes));
    try {
      server.start();
    } catch (IOException e) {
      if (runningCa != null) {
        runningCa.close();
      }
      throw new UserError(e.getMessage());
    } catch (SourceException e) {
      server.close();
      if (runningCa != null) {
        runningCa.close();
      }
      throw new UserError(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  if (runningCa != null) {
                    runningCa.close();
                  }
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

  private MeshSource source(Optional<KubernetesClient> kubernetes) throws IOException {
    if (source.manifests != null) {
      if (!Files.isDirectory(source.manifests)) {
        // Before anything listens: a typo must not start (and then stop) a server.
        throw new UserError("--manifests " + source.manifests + ": no such directory");
      }
      return new ManifestDirectorySource(source.manifests, rescan, limits.limits());
    }
    if (kubernetes.isPresent()) {
      return new KubernetesSource(kubernetes.get(), Optional.ofNullable(namespace));
    }
    return StaticSource.bundledDemo();
  }

  /** The Kubernetes API of --kubeconfig or --kubernetes; empty for the other sources. */
  private Optional<KubernetesClient> kubernetesClient() {
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
      return Optional.of(new KubernetesClientBuilder().withConfig(config).build());
    }
    return Optional.empty();
  }
}
