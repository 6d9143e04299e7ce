package io.telmesh.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.telmesh.bootstrap.AdsMode;
import io.telmesh.bootstrap.BootstrapBuilder;
import io.telmesh.bootstrap.GrpcBootstrap;
import io.telmesh.bootstrap.XdsAddress;
import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.capture.InvalidSettingException;
import io.telmesh.envoy.Durations;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.validate.ProtoConstraintValidator;
import io.telmesh.validate.Violation;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code telmesh bootstrap}: the Envoy v3 bootstrap a pod's sidecar starts with. */
@Command(
    name = "bootstrap",
    mixinStandardHelpOptions = true,
    description =
        "Print the Envoy v3 bootstrap (Istio-shaped) for a pod's sidecar talking ADS to telmesh.")
final class BootstrapCommand implements Runnable {

  /** The Istio release whose conventions telmesh follows, announced as ISTIO_VERSION. */
  static final String DEFAULT_ISTIO_VERSION = "1.23.0";

  @Spec CommandSpec spec;

  @Mixin PodSourceOptions source = new PodSourceOptions();

  @Option(
      names = "--pod",
      required = true,
      paramLabel = "NS/NAME",
      converter = PodRef.class,
      description = "The pod whose sidecar is bootstrapped.")
  NamespacedName pod;

  @Option(
      names = "--xds-address",
      required = true,
      paramLabel = "HOST:PORT",
      description =
          "Where Envoy reaches telmesh: an IP (static cluster) or a DNS name such as a Service's "
              + "(strict DNS cluster); IPv6 as [ADDRESS]:PORT.")
  String xdsAddress;

  @Option(
      names = "--ads",
      defaultValue = "DELTA_GRPC",
      paramLabel = "GRPC|DELTA_GRPC",
      description =
          "ADS flavour: DELTA_GRPC (incremental) or GRPC (state of the world) (default: ${DEFAULT-VALUE}).")
  AdsMode ads;

  @Option(
      names = "--xds-root-cert",
      paramLabel = "FILE",
      description =
          "Connect to telmesh's TLS port (--secure-port) trusting this CA file, a path inside the"
              + " pod (for example a mounted ConfigMap); the xDS host must be in the serving"
              + " certificate's names. Without it the connection is plaintext.")
  String xdsRootCert;

  @Option(
      names = "--xds-token",
      paramLabel = "FILE",
      description =
          "With --xds-root-cert: present this service-account token file (a path inside the pod,"
              + " e.g. a projected token with audience istio-ca) as \"authorization: Bearer\" on"
              + " the xDS stream, read again at every reconnect so a rotated token is used. The"
              + " ADS stream then uses Envoy's Google gRPC client; no agent is needed.")
  String xdsToken;

  @Option(
      names = "--istio-version",
      defaultValue = DEFAULT_ISTIO_VERSION,
      paramLabel = "VERSION",
      description = "ISTIO_VERSION the sidecar announces (default: ${DEFAULT-VALUE}).")
  String istioVersion;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      description =
          "Node metadata IDLE_TIMEOUT (as Istio's proxyMetadata sets it), e.g. 30s: the idle cut-off of the "
              + "sidecar's TCP proxies; Diameter ports keep none. Default: unset (Envoy's 1h).")
  String idleTimeout;

  @Option(
      names = "--proxyless",
      description =
          "Print the gRPC xDS bootstrap (GRPC_XDS_BOOTSTRAP) of a proxyless gRPC pod instead, as"
              + " Istio's agent writes it (--ads and --idle-timeout do not apply).")
  boolean proxyless;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "json",
      description = "json or yaml (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  @Override
  public void run() {
    XdsAddress address;
    try {
      address = XdsAddress.parse(xdsAddress);
    } catch (IllegalArgumentException e) {
      throw UserError.usage(e.getMessage());
    }
    if (idleTimeout != null && Durations.parseGo(idleTimeout).isEmpty()) {
      throw UserError.usage(
          "--idle-timeout: '" + idleTimeout + "' is not a duration like 30s, 5m or 1h");
    }
    if (xdsToken != null && xdsRootCert == null) {
      throw UserError.usage(
          "--xds-token needs --xds-root-cert: a token is only sent to telmesh's TLS port");
    }
    MeshState mesh = source.load(pod, spec.commandLine().getErr());
    if (mesh.workload(pod).isPresent()) {
      try {
        // One policy with `telmesh iptables`: no sidecar for rules that will not be built.
        CapturePlanBuilder.rejectInvalidAnnotations(mesh, pod);
      } catch (InvalidSettingException e) {
        throw new UserError(e.getMessage());
      }
    }
    Workload workload =
        mesh.workload(pod)
            .orElseThrow(
                () ->
                    new UserError(
                        "pod "
                            + pod
                            + " is not in the mesh "
                            + "(known pods: "
                            + knownPods(mesh)
                            + ")"));
    if (proxyless) {
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          output.render(
              GrpcBootstrap.of(
                      workload,
                      address,
                      istioVersion,
                      java.util.Optional.ofNullable(xdsRootCert),
                      java.util.Optional.ofNullable(xdsToken))
                  .toPrettyString()));
      out.flush();
      return;
    }
    Bootstrap bootstrap =
        withIdleTimeout(
            BootstrapBuilder.build(
                workload,
                address,
                ads,
                istioVersion,
                java.util.Optional.ofNullable(xdsRootCert),
                java.util.Optional.ofNullable(xdsToken)));
    List<Violation> violations = ProtoConstraintValidator.envoy().validate(bootstrap);
    if (!violations.isEmpty()) {
      // Never print something Envoy would refuse to start with.
      throw new IllegalStateException(
          "the bootstrap breaks Envoy's constraints: " + violations.get(0).describe());
    }
    PrintWriter out = spec.commandLine().getOut();
    try {
      out.println(output.render(EnvoyTypes.printer().print(bootstrap)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "the bootstrap holds a type the printer does not know: " + e.getMessage(), e);
    }
    out.flush();
  }

  /** The server reads IDLE_TIMEOUT as Istio writes it: a Go duration string, kept as given. */
  private Bootstrap withIdleTimeout(Bootstrap bootstrap) {
    if (idleTimeout == null) {
      return bootstrap;
    }
    Bootstrap.Builder builder = bootstrap.toBuilder();
    builder
        .getNodeBuilder()
        .getMetadataBuilder()
        .putFields("IDLE_TIMEOUT", Value.newBuilder().setStringValue(idleTimeout.strip()).build());
    return builder.build();
  }

  private static String knownPods(MeshState mesh) {
    List<String> pods = mesh.workloads().keySet().stream().map(NamespacedName::toString).toList();
    return pods.isEmpty()
        ? "none"
        : pods.size() > 10
            ? String.join(", ", pods.subList(0, 10)) + ", …"
            : String.join(", ", pods);
  }
}
