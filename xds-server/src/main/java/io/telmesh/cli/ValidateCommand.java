package io.telmesh.cli;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
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
import picocli.CommandLine.Option;
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

  @Option(
      names = "--strict",
      description =
          "Also exit 1 when the mesh has problems (by default only what could not be read does).")
  boolean strict;

  @Override
  public Integer call() {
    KubeObjects objects = source.objects();
    MeshState mesh = MeshStateBuilder.build(objects);
    PrintWriter out = spec.commandLine().getOut();
    java.util.Set<Problem> unread = new java.util.HashSet<>(objects.sourceProblems());
    int skipped = objects.sourceProblems().size();
    for (Problem problem : mesh.problems()) {
      out.println((unread.contains(problem) ? "not read: " : "problem: ") + describe(problem));
    }
    EnvoyValidator validator = EnvoyValidator.create();
    int code = run(Translator.prepare(mesh), targets(mesh), validator::validate, out);
    int problems = mesh.problems().size() - skipped;
    if (skipped > 0 || problems > 0) {
      out.println(
          skipped
              + " file(s), document(s) or object(s) not read; "
              + problems
              + " other problem(s) in the mesh"
              + (strict || skipped > 0 ? "" : " (not failing: use --strict)"));
    }
    out.flush();
    return code != 0 || skipped > 0 || (strict && problems > 0) ? 1 : 0;
  }

  private static String describe(Problem problem) {
    String object =
        problem.namespace().isEmpty() ? problem.name() : problem.namespace() + "/" + problem.name();
    return problem.kind()
        + " "
        + object
        + (problem.field().isEmpty() ? "" : " " + problem.field())
        + ": "
        + problem.reason();
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
    long synthetic =
        targets.stream().filter(t -> t.label().startsWith(SYNTHETIC_NAMESPACE + "/")).count();
    String proxies =
        targets.size()
            + " proxies ("
            + (targets.size() - synthetic)
            + " pods"
            + (synthetic == 0
                ? ""
                : ", plus "
                    + synthetic
                    + " synthetic: a proxyless gRPC client and a sidecar whose pod is unknown")
            + "; "
            + resources
            + " resources)";
    if (violations == 0) {
      out.println("validated " + proxies + ": no violations");
    } else {
      out.println(violations + " violation(s) in " + proxies);
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
