package io.telmesh.cli;

import io.telmesh.capture.CapturePlan;
import io.telmesh.capture.IpCommand;
import io.telmesh.capture.IpFamily;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;

/**
 * Carries out a capture plan in the current network namespace, as an init container does: each
 * family's payload through {@code iptables-restore --noflush} / {@code ip6tables-restore --noflush}
 * (as istio-iptables runs it), then the policy routing. Stops at the first failure. Unlike
 * istio-iptables it does not reconcile with rules already there: a namespace that already has
 * ISTIO_* chains is refused up front, with their names, instead of failing half-way.
 */
final class CaptureApplier {

  private final CommandRunner runner;
  private final PrintWriter log;

  CaptureApplier(CommandRunner runner, PrintWriter log) {
    this.runner = runner;
    this.log = log;
  }

  void apply(CapturePlan plan) {
    if (plan.config().isEmpty()) {
      log.println("telmesh: interception mode NONE: no capture rules, nothing applied");
      log.flush();
      return;
    }
    for (IpFamily family : plan.families()) {
      List<String> present =
          run(List.of(family.saveCommand()), "")
              .lines()
              .filter(line -> line.startsWith(":ISTIO_"))
              .map(line -> line.substring(1).split(" ", 2)[0])
              .distinct()
              .toList();
      if (!present.isEmpty()) {
        throw new UserError(
            "this network namespace already has IPv"
                + family.number()
                + " chains "
                + String.join(", ", present)
                + ": telmesh applies capture to a clean namespace, as an init container does");
      }
    }
    for (IpFamily family : plan.families()) {
      List<String> command = List.of(family.restoreCommand(), "--noflush");
      run(command, plan.rules().restorePayload(family));
      log.println(
          "telmesh: applied IPv"
              + family.number()
              + " rules ("
              + String.join(", ", plan.rules().tables(family).stream().map(t -> t.table()).toList())
              + ") with "
              + String.join(" ", command));
    }
    for (IpCommand command : plan.routing()) {
      run(command.command(), "");
      log.println("telmesh: ran " + command.text());
    }
    log.flush();
  }

  /** Runs a command that must succeed; returns its output. */
  private String run(List<String> command, String stdin) {
    CommandRunner.Result result;
    try {
      result = runner.run(command, stdin);
    } catch (IOException e) {
      throw new UserError("cannot run " + command.get(0) + ": " + e.getMessage());
    }
    if (result.exitCode() == 0) {
      return result.stdout();
    }
    String detail = result.stderr().strip().lines().findFirst().orElse("no message");
    throw new UserError(
        String.join(" ", command) + " failed (exit " + result.exitCode() + "): " + detail);
  }
}
