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
import io.telmesh.translate.IstioConfigReport;
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

  @Option(
      names = "--istio",
      description =
          "With --pod: instead of the config, list the Istio objects (Sidecar, DestinationRules,"
              + " VirtualServices, ServiceEntries) that shape the pod's sidecar config, and the"
              + " problems found in them and in Istio objects that apply to no one.")
  boolean istio;

  @Override
  public void run() {
    MeshState mesh = source.load();
    MeshTranslation translation = Translator.prepare(mesh);
    PrintWriter out = spec.commandLine().getOut();
    if (target.problems && istio) {
      throw UserError.usage("--istio needs --pod, not --problems");
    }
    if (target.problems) {
      out.println(dump.output.render(problemsJson(translation)));
    } else if (istio) {
      out.println(dump.output.render(istioJson(translation, workload(translation, target.pod))));
    } else {
      out.println(dump.output.render(dumpJson(translation, target.pod)));
    }
    out.flush();
  }

  private String dumpJson(MeshTranslation translation, NamespacedName pod) {
    ProxyResources resources = translation.forProxy(nodeFor(workload(translation, pod)));
    return print(ProxyDump.of(resources, dump.kinds()));
  }

  private static String istioJson(MeshTranslation translation, Workload workload) {
    IstioConfigReport report = translation.istioConfigFor(workload);
    List<Map<String, String>> applied = new java.util.ArrayList<>();
    report
        .applied()
        .forEach(
            (ref, what) ->
                applied.add(
                    entry(
                        "kind",
                        ref.kind(),
                        "namespace",
                        ref.namespace(),
                        "name",
                        ref.name(),
                        "applies",
                        what)));
    List<Map<String, String>> problems = new java.util.ArrayList<>();
    for (io.telmesh.model.Problem p : report.problems()) {
      problems.add(
          entry(
              "kind",
              p.kind(),
              "namespace",
              p.namespace(),
              "name",
              p.name(),
              "field",
              p.field(),
              "reason",
              p.reason()));
    }
    Map<String, Object> json = new java.util.LinkedHashMap<>();
    json.put("pod", workload.key().toString());
    json.put("applied", applied);
    json.put("problems", problems);
    return tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .writerWithDefaultPrettyPrinter()
        .writeValueAsString(json);
  }

  /** Keys and values in the order given, so the output reads the same every time. */
  private static Map<String, String> entry(String... keysAndValues) {
    Map<String, String> entry = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      entry.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return entry;
  }

  private static Workload workload(MeshTranslation translation, NamespacedName pod) {
    if (pod == null) {
      throw UserError.usage("--istio needs --pod");
    }
    return translation
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
