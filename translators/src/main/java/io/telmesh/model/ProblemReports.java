package io.telmesh.model;

import io.telmesh.proto.v1.ProblemReport;
import io.telmesh.proto.v1.UntouchedPorts;
import java.util.List;
import java.util.Map;

/**
 * The problem report as one proto ({@code telmesh.v1.ProblemReport}), so every place that shows it
 * (the monitoring port, the debug type, {@code proxy-config --problems}) shows the same thing.
 */
public final class ProblemReports {

  private ProblemReports() {}

  public static ProblemReport of(List<Problem> problems) {
    return of(problems, Map.of());
  }

  /**
   * The report with, per pod, the ports telmesh leaves alone.
   *
   * @param untouched per pod, the ports left alone; pods with none are left out
   */
  public static ProblemReport of(
      List<Problem> problems, Map<NamespacedName, List<UntouchedPort>> untouched) {
    ProblemReport.Builder report = ProblemReport.newBuilder();
    problems.forEach(p -> report.addProblems(p.toProto()));
    untouched.forEach(
        (pod, ports) -> {
          if (!ports.isEmpty()) {
            report.putUntouched(
                pod.toString(),
                UntouchedPorts.newBuilder()
                    .addAllPorts(ports.stream().map(UntouchedPort::toProto).toList())
                    .build());
          }
        });
    return report.build();
  }
}
