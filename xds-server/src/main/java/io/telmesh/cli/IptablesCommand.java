package io.telmesh.cli;

import io.telmesh.capture.CaptureConfig;
import io.telmesh.capture.CapturePlan;
import io.telmesh.capture.CapturePlanBuilder;
import io.telmesh.capture.InvalidSettingException;
import io.telmesh.capture.IpFamily;
import io.telmesh.capture.IstioFlags;
import io.telmesh.capture.PlanText;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code telmesh iptables}: a pod's capture rules (pod mode, {@code --pod}) or istio-iptables'
 * rules for its flags (flags mode, every other argument), printed as an {@code iptables-restore}
 * payload, as the plan's JSON, or applied in the current network namespace.
 */
@Command(
    name = "iptables",
    mixinStandardHelpOptions = true,
    description = {
      "Print (or apply) the packet-filter rules that send a pod's traffic to its sidecar.",
      "",
      "Pod mode: --pod NS/NAME starts from Istio's injector defaults (-i '*' -b '*' -d 15090,15021,15020) "
          + "adjusted by the pod's annotations and interfaces; only TCP is redirected (UDP for DNS when the pod "
          + "asks with telmesh.io/captureDNS). --drop-invalid is the only istio-iptables flag it takes.",
      "Flags mode: any istio-iptables flags (-p -z -e -u -g -m -b -d -i -x -q -o -k -c -t -r --redirect-dns "
          + "--capture-all-dns --drop-invalid) with istio-iptables' own defaults, plus --ipv6, "
          + "--dns-servers LIST, --owner-groups LIST, --owner-groups-exclude LIST, --ipv4-loopback-cidr CIDR "
          + "for what Istio detects or reads from its environment. The rules equal istio-iptables'.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  telmesh iptables --pod telco/smf-0",
      "  telmesh iptables --pod telco/hss-0 --family 6",
      "  telmesh iptables -p 15001 -z 15006 -u 1337 -m TPROXY -b '*' -i '*'",
      "  telmesh iptables --pod telco/amf-0 --format json",
      "  ip netns exec POD telmesh iptables --manifests DIR --pod NS/NAME --apply",
      "  telmesh iptables --kubernetes --pod $(POD_NAMESPACE)/$(POD_NAME) --apply   (an init container)"
    })
final class IptablesCommand implements Runnable {

  enum Format {
    text,
    json
  }

  @Spec CommandSpec spec;

  @Mixin PodSourceOptions source = new PodSourceOptions();

  @Option(
      names = "--pod",
      paramLabel = "NS/NAME",
      converter = PodRef.class,
      description =
          "The pod whose rules to compute (pod mode). Without it, the arguments are istio-iptables flags.")
  NamespacedName pod;

  @Option(
      names = "--family",
      paramLabel = "4|6",
      defaultValue = "4",
      description = "Which payload to print: 4 (default) or 6. In flags mode, 6 implies --ipv6.")
  int family;

  @Option(
      names = "--apply",
      description =
          "Apply the rules (both families, iptables-restore --noflush) and the policy routing in the "
              + "current network namespace instead of printing them.")
  boolean apply;

  @Option(
      names = "--format",
      paramLabel = "text|json",
      defaultValue = "text",
      description =
          "text: the iptables-restore payload with '# ip …' routing lines (default); json: the whole "
              + "plan (telmesh.v1.CapturePlan). (-o is istio-iptables' outbound-ports-exclude flag.)")
  Format format;

  @Unmatched List<String> istioFlags = new ArrayList<>();

  @Override
  public void run() {
    IpFamily printed =
        switch (family) {
          case 4 -> IpFamily.V4;
          case 6 -> IpFamily.V6;
          default -> throw UserError.usage("--family must be 4 or 6, not " + family);
        };
    CapturePlan plan = pod != null ? podPlan() : flagsPlan(printed);
    PrintWriter out = spec.commandLine().getOut();
    if (apply) {
      new CaptureApplier(CommandRunner.processes(), spec.commandLine().getErr()).apply(plan);
      return;
    }
    if (format == Format.json) {
      out.print(PlanText.json(plan));
    } else {
      if (plan.config().isPresent() && plan.rules().isEmpty(printed)) {
        throw new UserError(
            "pod "
                + pod
                + " has no IPv"
                + printed.number()
                + " address: telmesh builds no IPv"
                + printed.number()
                + " rules for it");
      }
      out.print(PlanText.payload(plan, printed));
    }
    out.flush();
  }

  private CapturePlan podPlan() {
    List<IstioFlags.Flag> given = settings(() -> IstioFlags.flagsIn(istioFlags));
    List<String> refused =
        given.stream()
            .filter(f -> f != IstioFlags.Flag.DROP_INVALID)
            .map(IstioFlags.Flag::display)
            .distinct()
            .toList();
    if (!refused.isEmpty()) {
      throw UserError.usage(
          "--pod reads the pod's annotations; istio-iptables flags other than --drop-invalid "
              + "do not combine with it (got "
              + String.join(" ", refused)
              + ")");
    }
    boolean dropInvalid = settings(() -> IstioFlags.parse(istioFlags)).dropInvalid();
    MeshState mesh = source.load(pod, spec.commandLine().getErr());
    if (mesh.workload(pod).isEmpty()) {
      throw new UserError(
          "pod " + pod + " is not in the mesh (known pods: " + knownPods(mesh) + ")");
    }
    try {
      return CapturePlanBuilder.forPod(mesh, pod, dropInvalid);
    } catch (InvalidSettingException e) {
      // The pod's own annotations, not the command line: a data error.
      throw new UserError(e.getMessage());
    }
  }

  private CapturePlan flagsPlan(IpFamily printed) {
    if (source.files.manifests != null || source.kubernetes) {
      throw UserError.usage(
          (source.kubernetes ? "--kubernetes" : "--manifests")
              + " only applies with --pod (flags mode reads no manifests)");
    }
    List<String> args = new ArrayList<>(istioFlags);
    if (printed == IpFamily.V6) {
      args.add("--ipv6");
    }
    CaptureConfig config = settings(() -> IstioFlags.parse(args));
    return CapturePlanBuilder.fromConfig(config);
  }

  /** An invalid istio-iptables flag is a wrong command line: one line naming it, no rules. */
  private static <T> T settings(java.util.function.Supplier<T> step) {
    try {
      return step.get();
    } catch (InvalidSettingException e) {
      throw UserError.usage(e.getMessage());
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
