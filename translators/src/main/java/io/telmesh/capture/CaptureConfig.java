package io.telmesh.capture;

import io.telmesh.model.InterceptionMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Every istio-iptables setting, typed and validated, plus the telmesh extensions. Built from flags
 * ({@link IstioFlags}, binary defaults) or from a pod ({@link PodCaptureConfig}, injector defaults
 * and annotations).
 *
 * @param proxyPort {@code -p}: outbound capture port (15001)
 * @param inboundCapturePort {@code -z}: inbound capture port (15006)
 * @param inboundTunnelPort {@code -e}: HBONE port, never captured (15008)
 * @param proxyUids {@code -u}: the proxy's users, never recaptured
 * @param proxyGids {@code -g}: the proxy's groups (default: the uids)
 * @param mode {@code -m}: REDIRECT or TPROXY
 * @param inboundPorts {@code -b}
 * @param inboundPortsExclude {@code -d}: only used when {@code -b} is {@code *}
 * @param outboundIpRangesInclude {@code -i}
 * @param outboundIpRangesExclude {@code -x}
 * @param outboundPortsInclude {@code -q}
 * @param outboundPortsExclude {@code -o}
 * @param kubeVirtInterfaces {@code -k}: inbound traffic there is treated as outbound
 * @param excludeInterfaces {@code -c}: bypass both ways
 * @param excludeInboundInterfaces telmesh: bypass for inbound only (pod mode)
 * @param tproxyMark {@code -t}
 * @param tproxyRouteTable {@code -r}
 * @param redirectDns {@code --redirect-dns}
 * @param captureAllDns {@code --capture-all-dns}: every port-53 query, not only those to {@code
 *     dnsServers}
 * @param dnsServers the resolvers whose queries are captured (Istio reads /etc/resolv.conf)
 * @param dropInvalid {@code --drop-invalid}
 * @param ipv6 whether IPv6 rules are built too (Istio detects it from the pod's address)
 * @param ownerGroups whose outbound traffic is captured
 * @param ipv4LoopbackCidr the app's loopback range ({@code ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR})
 * @param flavor exact Istio rules, or telmesh's protocol-scoped pod rules
 */
public record CaptureConfig(
    int proxyPort,
    int inboundCapturePort,
    int inboundTunnelPort,
    List<Long> proxyUids,
    List<Long> proxyGids,
    InterceptionMode mode,
    PortSelection inboundPorts,
    List<Integer> inboundPortsExclude,
    IpRanges outboundIpRangesInclude,
    List<String> outboundIpRangesExclude,
    List<Integer> outboundPortsInclude,
    List<Integer> outboundPortsExclude,
    List<String> kubeVirtInterfaces,
    List<String> excludeInterfaces,
    List<String> excludeInboundInterfaces,
    long tproxyMark,
    long tproxyRouteTable,
    boolean redirectDns,
    boolean captureAllDns,
    List<String> dnsServers,
    boolean dropInvalid,
    boolean ipv6,
    OwnerGroups ownerGroups,
    String ipv4LoopbackCidr,
    RuleFlavor flavor) {

  /** The agent's DNS listener, where captured queries go. */
  public static final int AGENT_DNS_PORT = 15053;

  /** The mark Istio puts on the proxy's own loopback traffic in TPROXY mode. */
  public static final long OUTBOUND_MARK = 1338;

  public CaptureConfig {
    proxyUids = List.copyOf(proxyUids);
    proxyGids = List.copyOf(proxyGids);
    inboundPortsExclude = List.copyOf(inboundPortsExclude);
    outboundIpRangesExclude = List.copyOf(outboundIpRangesExclude);
    outboundPortsInclude = List.copyOf(outboundPortsInclude);
    outboundPortsExclude = List.copyOf(outboundPortsExclude);
    kubeVirtInterfaces = List.copyOf(kubeVirtInterfaces);
    excludeInterfaces = List.copyOf(excludeInterfaces);
    excludeInboundInterfaces = List.copyOf(excludeInboundInterfaces);
    dnsServers = List.copyOf(dnsServers);
    if (mode == InterceptionMode.NONE) {
      throw new IllegalArgumentException("interception mode NONE has no capture rules");
    }
  }

  /** istio-iptables' own defaults: no inbound ports, no outbound ranges. */
  public static Builder istioDefaults() {
    return new Builder();
  }

  public boolean tproxy() {
    return mode == InterceptionMode.TPROXY;
  }

  /**
   * Whether DNS is really captured: Istio turns {@code --redirect-dns} off when it has neither
   * {@code --capture-all-dns} nor a DNS server to capture.
   */
  public boolean capturesDns() {
    return redirectDns && (captureAllDns || !dnsServers.isEmpty());
  }

  public List<String> dnsServers(IpFamily family) {
    return dnsServers.stream().filter(s -> s.contains(":") == (family == IpFamily.V6)).toList();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Starts from istio-iptables' defaults; each setter replaces one setting. Not thread-safe. */
  public static final class Builder {
    private int proxyPort = 15001;
    private int inboundCapturePort = 15006;
    private int inboundTunnelPort = 15008;
    private List<Long> proxyUids = List.of(1337L);
    private List<Long> proxyGids = null;
    private InterceptionMode mode = InterceptionMode.REDIRECT;
    private PortSelection inboundPorts = PortSelection.NONE;
    private List<Integer> inboundPortsExclude = List.of();
    private IpRanges outboundIpRangesInclude = IpRanges.NONE;
    private List<String> outboundIpRangesExclude = List.of();
    private List<Integer> outboundPortsInclude = List.of();
    private List<Integer> outboundPortsExclude = List.of();
    private List<String> kubeVirtInterfaces = List.of();
    private List<String> excludeInterfaces = List.of();
    private List<String> excludeInboundInterfaces = List.of();
    private long tproxyMark = 1337;
    private long tproxyRouteTable = 133;
    private boolean redirectDns;
    private boolean captureAllDns;
    private List<String> dnsServers = List.of();
    private boolean dropInvalid;
    private boolean ipv6;
    private OwnerGroups ownerGroups = OwnerGroups.ALL;
    private String ipv4LoopbackCidr = "127.0.0.1/32";
    private RuleFlavor flavor = RuleFlavor.ISTIO;

    private Builder() {}

    private Builder(CaptureConfig c) {
      proxyPort = c.proxyPort;
      inboundCapturePort = c.inboundCapturePort;
      inboundTunnelPort = c.inboundTunnelPort;
      proxyUids = c.proxyUids;
      proxyGids = c.proxyGids;
      mode = c.mode;
      inboundPorts = c.inboundPorts;
      inboundPortsExclude = c.inboundPortsExclude;
      outboundIpRangesInclude = c.outboundIpRangesInclude;
      outboundIpRangesExclude = c.outboundIpRangesExclude;
      outboundPortsInclude = c.outboundPortsInclude;
      outboundPortsExclude = c.outboundPortsExclude;
      kubeVirtInterfaces = c.kubeVirtInterfaces;
      excludeInterfaces = c.excludeInterfaces;
      excludeInboundInterfaces = c.excludeInboundInterfaces;
      tproxyMark = c.tproxyMark;
      tproxyRouteTable = c.tproxyRouteTable;
      redirectDns = c.redirectDns;
      captureAllDns = c.captureAllDns;
      dnsServers = c.dnsServers;
      dropInvalid = c.dropInvalid;
      ipv6 = c.ipv6;
      ownerGroups = c.ownerGroups;
      ipv4LoopbackCidr = c.ipv4LoopbackCidr;
      flavor = c.flavor;
    }

    public Builder proxyPort(int value) {
      proxyPort = value;
      return this;
    }

    public Builder inboundCapturePort(int value) {
      inboundCapturePort = value;
      return this;
    }

    public Builder inboundTunnelPort(int value) {
      inboundTunnelPort = value;
      return this;
    }

    public Builder proxyUids(List<Long> value) {
      proxyUids = value;
      return this;
    }

    /** Unset, the gids are the uids (Istio's rule). */
    public Builder proxyGids(List<Long> value) {
      proxyGids = value;
      return this;
    }

    public Builder mode(InterceptionMode value) {
      mode = value;
      return this;
    }

    public Builder inboundPorts(PortSelection value) {
      inboundPorts = value;
      return this;
    }

    public Builder inboundPortsExclude(List<Integer> value) {
      inboundPortsExclude = value;
      return this;
    }

    public Builder outboundIpRangesInclude(IpRanges value) {
      outboundIpRangesInclude = value;
      return this;
    }

    public Builder outboundIpRangesExclude(List<String> value) {
      outboundIpRangesExclude = value;
      return this;
    }

    public Builder outboundPortsInclude(List<Integer> value) {
      outboundPortsInclude = value;
      return this;
    }

    public Builder outboundPortsExclude(List<Integer> value) {
      outboundPortsExclude = value;
      return this;
    }

    public Builder kubeVirtInterfaces(List<String> value) {
      kubeVirtInterfaces = value;
      return this;
    }

    public Builder excludeInterfaces(List<String> value) {
      excludeInterfaces = value;
      return this;
    }

    public Builder excludeInboundInterfaces(List<String> value) {
      excludeInboundInterfaces = value;
      return this;
    }

    public Builder tproxyMark(long value) {
      tproxyMark = value;
      return this;
    }

    public Builder tproxyRouteTable(long value) {
      tproxyRouteTable = value;
      return this;
    }

    public Builder redirectDns(boolean value) {
      redirectDns = value;
      return this;
    }

    public Builder captureAllDns(boolean value) {
      captureAllDns = value;
      return this;
    }

    public Builder dnsServers(List<String> value) {
      dnsServers = new ArrayList<>(value);
      return this;
    }

    public Builder dropInvalid(boolean value) {
      dropInvalid = value;
      return this;
    }

    public Builder ipv6(boolean value) {
      ipv6 = value;
      return this;
    }

    public Builder ownerGroups(OwnerGroups value) {
      ownerGroups = value;
      return this;
    }

    public Builder ipv4LoopbackCidr(String value) {
      ipv4LoopbackCidr = value;
      return this;
    }

    public Builder flavor(RuleFlavor value) {
      flavor = value;
      return this;
    }

    public CaptureConfig build() {
      return new CaptureConfig(
          proxyPort,
          inboundCapturePort,
          inboundTunnelPort,
          proxyUids,
          proxyGids == null ? proxyUids : proxyGids,
          mode,
          inboundPorts,
          inboundPortsExclude,
          outboundIpRangesInclude,
          outboundIpRangesExclude,
          outboundPortsInclude,
          outboundPortsExclude,
          kubeVirtInterfaces,
          excludeInterfaces,
          excludeInboundInterfaces,
          tproxyMark,
          tproxyRouteTable,
          redirectDns,
          captureAllDns,
          dnsServers,
          dropInvalid,
          ipv6,
          ownerGroups,
          ipv4LoopbackCidr,
          flavor);
    }
  }
}
