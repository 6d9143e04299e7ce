package io.telmesh.capture;

import io.telmesh.model.InterceptionMode;
import io.telmesh.model.IpAddress;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.UntouchedPort;
import io.telmesh.proto.v1.CaptureMode;
import io.telmesh.proto.v1.CaptureSource;
import io.telmesh.proto.v1.DnsCapture;
import io.telmesh.proto.v1.InboundCapture;
import io.telmesh.proto.v1.OutboundCapture;
import io.telmesh.proto.v1.ProxyIdentity;
import io.telmesh.proto.v1.RoutingCommand;
import io.telmesh.proto.v1.RuleTable;
import java.util.List;
import java.util.Optional;

/**
 * Everything telmesh decided about one pod's (or one flag set's) capture: the settings, the
 * interfaces, the untouched ports, the rules per family and the policy routing.
 *
 * @param pod the pod; empty for a plan computed from flags
 * @param config the settings; empty when the mode is NONE (no capture, no rules)
 */
public record CapturePlan(
    Optional<NamespacedName> pod,
    InterceptionMode mode,
    Optional<CaptureConfig> config,
    List<CaptureInterface> interfaces,
    List<UntouchedPort> untouched,
    IptablesRules rules,
    List<IpCommand> routing) {

  public CapturePlan {
    interfaces = List.copyOf(interfaces);
    untouched = List.copyOf(untouched);
    routing = List.copyOf(routing);
  }

  /**
   * Which families have rules: IPv4 always when capturing, IPv6 when the pod has an IPv6 address.
   */
  public List<IpFamily> families() {
    return java.util.Arrays.stream(IpFamily.values()).filter(f -> !rules.isEmpty(f)).toList();
  }

  public List<IpCommand> routing(IpFamily family) {
    return routing.stream().filter(c -> c.family() == family).toList();
  }

  public io.telmesh.proto.v1.CapturePlan toProto() {
    io.telmesh.proto.v1.CapturePlan.Builder plan =
        io.telmesh.proto.v1.CapturePlan.newBuilder()
            .setPod(pod.map(NamespacedName::toString).orElse(""))
            .setSource(
                pod.isPresent()
                    ? CaptureSource.CAPTURE_SOURCE_POD
                    : CaptureSource.CAPTURE_SOURCE_FLAGS)
            .setInterceptionMode(
                switch (mode) {
                  case REDIRECT -> CaptureMode.CAPTURE_MODE_REDIRECT;
                  case TPROXY -> CaptureMode.CAPTURE_MODE_TPROXY;
                  case NONE -> CaptureMode.CAPTURE_MODE_NONE;
                });
    for (CaptureInterface iface : interfaces) {
      plan.addInterfaces(
          io.telmesh.proto.v1.CaptureInterface.newBuilder()
              .setName(iface.name())
              .setNetwork(iface.network())
              .addAllAddresses(iface.addresses().stream().map(IpAddress::address).toList())
              .setIsDefault(iface.isDefault())
              .setCapturedInbound(iface.capturedInbound())
              .setCapturedOutbound(iface.capturedOutbound()));
    }
    config.ifPresent(c -> settings(c, plan));
    for (UntouchedPort port : untouched) {
      plan.addUntouchedPorts(port.toProto());
    }
    for (IpFamily family : IpFamily.values()) {
      for (TableRules table : rules.tables(family)) {
        plan.addRules(
            RuleTable.newBuilder()
                .setFamily(proto(family))
                .setTable(table.table())
                .addAllLines(table.lines()));
      }
    }
    for (IpCommand command : routing) {
      plan.addPolicyRouting(
          RoutingCommand.newBuilder()
              .setFamily(proto(command.family()))
              .setCommand(command.text()));
    }
    return plan.build();
  }

  private static void settings(CaptureConfig c, io.telmesh.proto.v1.CapturePlan.Builder plan) {
    plan.setInbound(
        InboundCapture.newBuilder()
            .setAllPorts(c.inboundPorts().all())
            .addAllPorts(c.inboundPorts().ports())
            .addAllExcludedPorts(c.inboundPortsExclude())
            .addAllExcludedInterfaces(c.excludeInterfaces())
            .addAllExcludedInboundInterfaces(c.excludeInboundInterfaces())
            .addAllVirtualInterfaces(c.kubeVirtInterfaces())
            .setCapturePort(c.inboundCapturePort())
            .setTunnelPort(c.inboundTunnelPort()));
    plan.setOutbound(
        OutboundCapture.newBuilder()
            .setAllDestinations(c.outboundIpRangesInclude().wildcard())
            .addAllIncludedCidrs(c.outboundIpRangesInclude().cidrs())
            .addAllExcludedCidrs(c.outboundIpRangesExclude())
            .addAllIncludedPorts(c.outboundPortsInclude())
            .addAllExcludedPorts(c.outboundPortsExclude())
            .setCapturePort(c.proxyPort())
            .setAllOwnerGroups(c.ownerGroups().except())
            .addAllOwnerGroups(c.ownerGroups().except() ? List.of() : c.ownerGroups().values())
            .addAllExcludedOwnerGroups(
                c.ownerGroups().except() ? c.ownerGroups().values() : List.of()));
    plan.setDns(
        DnsCapture.newBuilder()
            .setEnabled(c.capturesDns())
            .setAllServers(c.capturesDns() && c.captureAllDns())
            .addAllServers(c.capturesDns() ? c.dnsServers() : List.of())
            .setAgentPort(CaptureConfig.AGENT_DNS_PORT));
    plan.setDropInvalid(c.dropInvalid());
    plan.setProxy(
        ProxyIdentity.newBuilder()
            .addAllUids(c.proxyUids().stream().map(Long::intValue).toList())
            .addAllGids(c.proxyGids().stream().map(Long::intValue).toList())
            .setTproxyMark((int) c.tproxyMark())
            .setTproxyRouteTable((int) c.tproxyRouteTable()));
  }

  private static io.telmesh.proto.v1.IpFamily proto(IpFamily family) {
    return family == IpFamily.V4
        ? io.telmesh.proto.v1.IpFamily.IP_FAMILY_IPV4
        : io.telmesh.proto.v1.IpFamily.IP_FAMILY_IPV6;
  }
}
