package io.telmesh.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * The routing istio-iptables sets up next to its rules: with IPv6, {@code ::6} on {@code lo} (IPv6
 * loopback is a single address, and the inbound passthrough binds to ::6); with TPROXY and inbound
 * capture, packets carrying the TPROXY mark are routed to {@code lo} through their own table, so
 * that diverted packets reach the transparent listener.
 */
public final class PolicyRouting {

  private PolicyRouting() {}

  public static List<IpCommand> of(CaptureConfig config) {
    List<IpFamily> families = config.ipv6() ? List.of(IpFamily.V4, IpFamily.V6) : List.of(IpFamily.V4);
    List<IpCommand> commands = new ArrayList<>();
    if (config.ipv6()) {
      commands.add(new IpCommand(IpFamily.V6, List.of("-6", "addr", "add", "::6/128", "dev", "lo"), true));
    }
    if (!config.tproxy() || config.inboundPorts().isEmpty()) {
      return commands;
    }
    String table = String.valueOf(config.tproxyRouteTable());
    for (IpFamily family : families) {
      commands.add(new IpCommand(family, List.of(family.ipOption(), "rule", "add", "fwmark",
          String.valueOf(config.tproxyMark()), "lookup", table), false));
    }
    for (IpFamily family : families) {
      commands.add(new IpCommand(family, List.of(family.ipOption(), "route", "add", "local", "default", "dev", "lo",
          "table", table), true));
    }
    return commands;
  }
}
