package io.telmesh.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ProblemReports;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.Workload;
import io.telmesh.node.InvalidNodeException;
import io.telmesh.node.ProxyNode;
import io.telmesh.node.SidecarIds;
import io.telmesh.resources.ProxyResources;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.ProxyDump;
import io.telmesh.translate.Translator;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code telmesh proxy-config}: what a pod's sidecar is sent, translated locally from manifests, in
 * Envoy's {@code /config_dump} layout; or, with {@code --problems}, what telmesh skipped.
 */
@Command(
    name = "proxy-config",
    mixinStandardHelpOptions = true,
    description = "Print a pod's Envoy config (Envoy /config_dump layout), or the mesh's problems.")
final class ProxyConfigCommand implements Runnable {

  @Spec CommandSpec spec;

  @Mixin MeshSourceOptions source = new MeshSourceOptions();

  @ArgGroup(multiplicity = "1")
  Target target;

  static final class Target {
    @Option(
        names = "--pod",
        paramLabel = "NS/NAME",
        converter = PodRef.class,
        description = "The pod whose sidecar config to print.")
    NamespacedName pod;

    @Option(
        names = "--problems",
        description = "Print mesh-wide problems and, per pod, the ports left untouched.")
    boolean problems;
  }

  @Mixin DumpOptions dump = new DumpOptions();

  @Override
  public void run() {
    MeshState mesh = source.load();
    MeshTranslation translation = Translator.prepare(mesh);
    PrintWriter out = spec.commandLine().getOut();
    if (target.problems) {
      out.println(dump.output.render(problemsJson(translation)));
    } else {
      out.println(dump.output.render(dumpJson(translation, target.pod)));
    }
    out.flush();
  }

  private String dumpJson(MeshTranslation translation, NamespacedName pod) {
    Workload workload =
        translation
            .mesh()
            .workload(pod)
            .orElseThrow(
                () ->
                    new UserError(
                        "pod "
                            + pod
                            + " is not in the mesh (known pods: "
                            + knownPods(translation.mesh())
                            + ")"));
    ProxyResources resources = translation.forProxy(nodeFor(workload));
    return print(ProxyDump.of(resources, dump.kinds()));
  }

  private String problemsJson(MeshTranslation translation) {
    Map<NamespacedName, List<UntouchedPort>> untouched = new TreeMap<>();
    for (Workload workload : translation.mesh().workloads().values()) {
      untouched.put(workload.key(), translation.forProxy(nodeFor(workload)).untouched());
    }
    return print(ProblemReports.of(translation.problems(), untouched));
  }

  private static String print(com.google.protobuf.MessageOrBuilder message) {
    try {
      return EnvoyTypes.printer().print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "a resource holds a type the printer does not know: " + e.getMessage(), e);
    }
  }

  /**
   * The node an Istio-bootstrapped sidecar of this pod presents; a pod without one is a user error.
   */
  private static ProxyNode nodeFor(Workload workload) {
    try {
      return SidecarIds.node(workload);
    } catch (InvalidNodeException e) {
      throw new UserError("pod " + workload.key() + " has no valid node id: " + e.getMessage());
    }
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
