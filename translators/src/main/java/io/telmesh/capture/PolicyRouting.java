package io.telmesh.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * The routing istio-iptables sets up next to its rules: with IPv6, {@code ::6} on {@code lo} (IPv6
 * loopback is a single address, and the inbound passthrough binds to ::6); with TPROXY and inbound
 * capture, packets carrying the TPROXY mark are routed to {@code lo} through their own table, so
 * that diverted packets reach the transparent listener. Istio adds the address and the route and
 * ignores "already exists"; {@code replace} does the same without depending on error texts (the
 * kernel reports an existing IPv6 address as "address already assigned").
 */
public final class PolicyRouting {

  private PolicyRouting() {}

  public static List<IpCommand> of(CaptureConfig config) {
    List<IpFamily> families =
        config.ipv6() ? List.of(IpFamily.V4, IpFamily.V6) : List.of(IpFamily.V4);
    List<IpCommand> commands = new ArrayList<>();
    if (config.ipv6()) {
      commands.add(
          new IpCommand(IpFamily.V6, List.of("-6", "addr", "replace", "::6/128", "dev", "lo")));
    }
    if (!config.tproxy() || config.inboundPorts().isEmpty()) {
      return commands;
    }
    String table = String.valueOf(config.tproxyRouteTable());
    for (IpFamily family : families) {
      commands.add(
          new IpCommand(
              family,
              List.of(
                  family.ipOption(),
                  "rule",
                  "add",
                  "fwmark",
                  String.valueOf(config.tproxyMark()),
                  "lookup",
                  table)));
    }
    for (IpFamily family : families) {
      commands.add(
          new IpCommand(
              family,
              List.of(
                  family.ipOption(),
                  "route",
                  "replace",
                  "local",
                  "default",
                  "dev",
                  "lo",
                  "table",
                  table)));
    }
    return commands;
  }
}
