package io.telmesh.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code ip} command of the policy routing a plan needs, e.g. {@code ip -4 rule add fwmark 1337
 * lookup 133}.
 *
 * @param args the words after {@code ip}, family option first
 */
public record IpCommand(IpFamily family, List<String> args) {

  public IpCommand {
    args = List.copyOf(args);
  }

  /** The full command line, {@code ip} included. */
  public List<String> command() {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(args);
    return command;
  }

  public String text() {
    return String.join(" ", command());
  }
}
