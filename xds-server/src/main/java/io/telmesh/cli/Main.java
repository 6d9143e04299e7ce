package io.telmesh.cli;

import io.telmesh.logging.Logging;
import io.telmesh.model.Printable;
import io.telmesh.server.TelmeshServer;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code telmesh}: the control plane and its tools. */
@Command(
    name = "telmesh",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Istio-compatible xDS control plane for multi-interface (Multus) Kubernetes pods.",
    subcommands = {
      ServeCommand.class,
      ProxyConfigCommand.class,
      IptablesCommand.class,
      BootstrapCommand.class,
      ValidateCommand.class,
      ProxyStatusCommand.class,
      DumpCommand.class,
      CommandLine.HelpCommand.class,
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns the exit code (tests call this instead of main). */
  public static int run(String... args) {
    Logging.bridgeJavaUtilLogging();
    return commandLine().execute(args);
  }

  static CommandLine commandLine() {
    CommandLine line = new CommandLine(new Main());
    line.setParameterExceptionHandler(
        (ex, arguments) -> {
          CommandLine failed = ex.getCommandLine();
          failed
              .getErr()
              .println(
                  "telmesh: "
                      + ex.getMessage()
                      + " (see '"
                      + failed.getCommandSpec().qualifiedName()
                      + " --help')");
          return 2;
        });
    line.setExecutionExceptionHandler(
        (ex, failed, parseResult) -> {
          if (ex instanceof UserError user && user.isUsage()) {
            failed
                .getErr()
                .println(
                    "telmesh: "
                        + Printable.of(ex.getMessage())
                        + " (see '"
                        + failed.getCommandSpec().qualifiedName()
                        + " --help')");
            return 2;
          }
          String message =
              ex instanceof UserError
                  ? ex.getMessage()
                  : ex.getMessage() == null || ex.getMessage().isBlank()
                      ? "internal error (a bug in telmesh; run serve with --log-level debug)"
                      : ex.getMessage();
          if (!(ex instanceof UserError)) {
            LoggerFactory.getLogger(Main.class).debug("command failed", ex);
          }
          failed.getErr().println("telmesh: error: " + Printable.of(message));
          return 1;
        });
    return line;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"telmesh " + TelmeshServer.version()};
    }
  }
}
