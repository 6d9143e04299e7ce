package io.telmesh.cli;

import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Workload;
import io.telmesh.node.InvalidNodeException;
import io.telmesh.node.ProxyNode;
import io.telmesh.node.SidecarIds;
import io.telmesh.resources.ProxyResources;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.Translator;
import io.telmesh.validate.EnvoyValidator;
import io.telmesh.validate.Violation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code telmesh validate}: translates every pod of the mesh, plus a proxyless gRPC client and a
 * proxy whose pod is unknown, and checks everything against the rules Envoy enforces.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description =
        "Translate every pod and check the result against Envoy's constraints; exit 1 on any violation.")
final class ValidateCommand implements Callable<Integer> {

  /** The namespace the synthetic proxies are reported under. */
  static final String SYNTHETIC_NAMESPACE = "telmesh-validate";

  /** A proxy to validate and how its lines name it. */
  record Target(String label, ProxyNode node) {}

  @Spec CommandSpec spec;

  @Mixin MeshSourceOptions source = new MeshSourceOptions();

  @Override
  public Integer call() {
    MeshState mesh = source.load();
    EnvoyValidator validator = EnvoyValidator.create();
    return run(
        Translator.prepare(mesh), targets(mesh), validator::validate, spec.commandLine().getOut());
  }

  /**
   * Validates each target and prints one line per violation, {@code pod resource-type resource-name
   * path [rule]: message}, or a summary when there are none.
   *
   * @return the exit code: 1 when anything is violated
   */
  static int run(
      MeshTranslation translation,
      List<Target> targets,
      Function<ProxyResources, List<Violation>> validator,
      PrintWriter out) {
    int violations = 0;
    int resources = 0;
    for (Target target : targets) {
      ProxyResources result = translation.forProxy(target.node());
      resources +=
          result.listeners().size()
              + result.clusters().size()
              + result.routes().size()
              + result.endpoints().size();
      for (Violation v : validator.apply(result)) {
        out.println(target.label() + " " + v.describe());
        violations++;
      }
    }
    if (violations == 0) {
      out.println(
          "validated " + targets.size() + " proxies (" + resources + " resources): no violations");
    } else {
      out.println(violations + " violation(s) in " + targets.size() + " proxies");
    }
    out.flush();
    return violations == 0 ? 0 : 1;
  }

  /** Every pod's sidecar, then a proxyless gRPC client and a sidecar of an unknown pod. */
  static List<Target> targets(MeshState mesh) {
    List<Target> targets = new ArrayList<>();
    for (Workload workload : mesh.workloads().values()) {
      try {
        targets.add(new Target(workload.key().toString(), SidecarIds.node(workload)));
      } catch (InvalidNodeException e) {
        throw new UserError("pod " + workload.key() + " has no valid node id: " + e.getMessage());
      }
    }
    targets.add(synthetic("proxyless-grpc", "127.0.0.1", Optional.of("grpc")));
    targets.add(synthetic("unknown-pod", "10.255.255.254", Optional.empty()));
    return targets;
  }

  private static Target synthetic(String name, String ip, Optional<String> generator) {
    NamespacedName pod = new NamespacedName(SYNTHETIC_NAMESPACE, name);
    try {
      return new Target(pod.toString(), SidecarIds.node(ip, pod, generator));
    } catch (InvalidNodeException e) {
      throw new IllegalStateException("a synthetic node id is invalid: " + e.getMessage(), e);
    }
  }
}
