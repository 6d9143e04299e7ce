package io.telmesh.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@code iptables-restore} rules of a {@link CaptureConfig}, in istio-iptables' order:
 * for {@link RuleFlavor#ISTIO} the lines equal Istio's, table by table. Each family is built on its
 * own (Istio keeps one list per family, so their interleaving never shows).
 */
public final class RuleBuilder {

  static final String NAT = "nat";
  static final String MANGLE = "mangle";
  static final String RAW = "raw";

  static final String PREROUTING = "PREROUTING";
  static final String OUTPUT = "OUTPUT";
  static final String ISTIO_INBOUND = "ISTIO_INBOUND";
  static final String ISTIO_REDIRECT = "ISTIO_REDIRECT";
  static final String ISTIO_IN_REDIRECT = "ISTIO_IN_REDIRECT";
  static final String ISTIO_OUTPUT = "ISTIO_OUTPUT";
  static final String ISTIO_OUTPUT_DNS = "ISTIO_OUTPUT_DNS";
  static final String ISTIO_DIVERT = "ISTIO_DIVERT";
  static final String ISTIO_TPROXY = "ISTIO_TPROXY";
  static final String ISTIO_DROP = "ISTIO_DROP";

  private static final String DNS_PORT = "53";

  private final CaptureConfig config;
  private final IpFamily family;
  private final List<IptablesRule> rules = new ArrayList<>();

  private RuleBuilder(CaptureConfig config, IpFamily family) {
    this.config = config;
    this.family = family;
  }

  /** The rules of both families; IPv6 has rules only when the config asks for IPv6. */
  public static IptablesRules build(CaptureConfig config) {
    List<IptablesRule> v6 =
        config.ipv6() ? new RuleBuilder(config, IpFamily.V6).rules() : List.of();
    return IptablesRules.of(new RuleBuilder(config, IpFamily.V4).rules(), v6);
  }

  private List<IptablesRule> rules() {
    excludeInterfaces();
    for (String iface : config.kubeVirtInterfaces()) {
      insertEntry(NAT, PREROUTING, 1, inbound(), "-i", iface, "-j", "RETURN");
    }
    if (config.dropInvalid()) {
      entry(
          MANGLE,
          PREROUTING,
          inbound(),
          "-m",
          "conntrack",
          "--ctstate",
          "INVALID",
          "-j",
          ISTIO_DROP);
      append(MANGLE, ISTIO_DROP, "-j", "DROP");
    }
    append(
        NAT,
        ISTIO_INBOUND,
        "-p",
        "tcp",
        "--dport",
        str(config.inboundTunnelPort()),
        "-j",
        "RETURN");
    append(
        NAT, ISTIO_REDIRECT, "-p", "tcp", "-j", "REDIRECT", "--to-ports", str(config.proxyPort()));
    append(
        NAT,
        ISTIO_IN_REDIRECT,
        "-p",
        "tcp",
        "-j",
        "REDIRECT",
        "--to-ports",
        str(config.inboundCapturePort()));
    inboundPorts();
    entry(NAT, OUTPUT, outbound(), "-j", ISTIO_OUTPUT);
    for (int port : config.outboundPortsExclude()) {
      append(NAT, ISTIO_OUTPUT, "-p", "tcp", "--dport", str(port), "-j", "RETURN");
      if (outbound().contains("udp")) {
        append(NAT, ISTIO_OUTPUT, "-p", "udp", "--dport", str(port), "-j", "RETURN");
      }
    }
    // 127.0.0.6 (::6) is the source the inbound passthrough cluster binds to.
    append(NAT, ISTIO_OUTPUT, "-o", "lo", "-s", innerSource(), "-j", "RETURN");
    proxyOwners();
    ownerGroups();
    if (config.capturesDns()) {
      dns();
    }
    append(NAT, ISTIO_OUTPUT, "-d", loopback(), "-j", "RETURN");
    for (String cidr : IpRanges.of(config.outboundIpRangesExclude()).forFamily(family)) {
      append(NAT, ISTIO_OUTPUT, "-d", cidr, "-j", "RETURN");
    }
    for (int port : config.outboundPortsInclude()) {
      append(NAT, ISTIO_OUTPUT, "-p", "tcp", "--dport", str(port), "-j", ISTIO_REDIRECT);
    }
    outboundRanges();
    if (config.tproxy()) {
      tproxyMarks();
    }
    return List.copyOf(rules);
  }

  private void excludeInterfaces() {
    for (String iface : config.excludeInterfaces()) {
      entry(NAT, PREROUTING, inbound(), "-i", iface, "-j", "RETURN");
      entry(NAT, OUTPUT, outbound(), "-o", iface, "-j", "RETURN");
    }
    if (config.tproxy()) {
      for (String iface : config.excludeInterfaces()) {
        entry(MANGLE, PREROUTING, inbound(), "-i", iface, "-j", "RETURN");
        entry(MANGLE, OUTPUT, inbound(), "-o", iface, "-j", "RETURN");
      }
    }
    // telmesh: these interfaces keep outbound capture; only what arrives on them bypasses.
    for (String iface : config.excludeInboundInterfaces()) {
      entry(NAT, PREROUTING, inbound(), "-i", iface, "-j", "RETURN");
      if (config.tproxy()) {
        entry(MANGLE, PREROUTING, inbound(), "-i", iface, "-j", "RETURN");
      }
    }
  }

  private void inboundPorts() {
    PortSelection ports = config.inboundPorts();
    if (ports.isEmpty()) {
      return;
    }
    String table = NAT;
    if (config.tproxy()) {
      append(MANGLE, ISTIO_DIVERT, "-j", "MARK", "--set-mark", str(config.tproxyMark()));
      append(MANGLE, ISTIO_DIVERT, "-j", "ACCEPT");
      append(
          MANGLE,
          ISTIO_TPROXY,
          "!",
          "-d",
          loopback(),
          "-p",
          "tcp",
          "-j",
          "TPROXY",
          "--tproxy-mark",
          config.tproxyMark() + "/0xffffffff",
          "--on-port",
          str(config.inboundCapturePort()));
      table = MANGLE;
    }
    append(table, PREROUTING, "-p", "tcp", "-j", ISTIO_INBOUND);
    if (ports.all()) {
      for (int port : config.inboundPortsExclude()) {
        append(table, ISTIO_INBOUND, "-p", "tcp", "--dport", str(port), "-j", "RETURN");
      }
      if (config.tproxy()) {
        append(
            MANGLE,
            ISTIO_INBOUND,
            "-p",
            "tcp",
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            ISTIO_DIVERT);
        append(MANGLE, ISTIO_INBOUND, "-p", "tcp", "-j", ISTIO_TPROXY);
      } else {
        append(NAT, ISTIO_INBOUND, "-p", "tcp", "-j", ISTIO_IN_REDIRECT);
      }
      return;
    }
    for (int port : ports.ports()) {
      if (config.tproxy()) {
        append(
            MANGLE,
            ISTIO_INBOUND,
            "-p",
            "tcp",
            "--dport",
            str(port),
            "-m",
            "conntrack",
            "--ctstate",
            "RELATED,ESTABLISHED",
            "-j",
            ISTIO_DIVERT);
        append(MANGLE, ISTIO_INBOUND, "-p", "tcp", "--dport", str(port), "-j", ISTIO_TPROXY);
      } else {
        append(NAT, ISTIO_INBOUND, "-p", "tcp", "--dport", str(port), "-j", ISTIO_IN_REDIRECT);
      }
    }
  }

  /** The proxy's own traffic: back to its inbound side over loopback, never to itself again. */
  private void proxyOwners() {
    boolean dns = config.capturesDns();
    String tunnel = str(config.inboundTunnelPort());
    boolean loopbackIncluded = config.outboundIpRangesInclude().hasLoopback();
    for (long uid : config.proxyUids()) {
      if (dns) {
        // DNS to the agent over loopback must not take the detour through the inbound listener.
        append(
            NAT,
            ISTIO_OUTPUT,
            "-o",
            "lo",
            "!",
            "-d",
            loopback(),
            "-p",
            "tcp",
            "-m",
            "multiport",
            "!",
            "--dports",
            DNS_PORT + "," + tunnel,
            "-m",
            "owner",
            "--uid-owner",
            str(uid),
            "-j",
            ISTIO_IN_REDIRECT);
      } else {
        append(
            NAT,
            ISTIO_OUTPUT,
            "-o",
            "lo",
            "!",
            "-d",
            loopback(),
            "-p",
            "tcp",
            "!",
            "--dport",
            tunnel,
            "-m",
            "owner",
            "--uid-owner",
            str(uid),
            "-j",
            ISTIO_IN_REDIRECT);
      }
      if (!loopbackIncluded) {
        appOwnLoopback("--uid-owner", uid, dns);
      }
      append(NAT, ISTIO_OUTPUT, "-m", "owner", "--uid-owner", str(uid), "-j", "RETURN");
    }
    for (long gid : config.proxyGids()) {
      // Istio keeps port 53 redirectable for gids (no multiport rule here), unlike for uids.
      append(
          NAT,
          ISTIO_OUTPUT,
          "-o",
          "lo",
          "!",
          "-d",
          loopback(),
          "-p",
          "tcp",
          "!",
          "--dport",
          tunnel,
          "-m",
          "owner",
          "--gid-owner",
          str(gid),
          "-j",
          ISTIO_IN_REDIRECT);
      if (!loopbackIncluded) {
        appOwnLoopback("--gid-owner", gid, dns);
      }
      append(NAT, ISTIO_OUTPUT, "-m", "owner", "--gid-owner", str(gid), "-j", "RETURN");
    }
  }

  /**
   * The app calling itself over loopback is left alone (but a local DNS server is still captured).
   */
  private void appOwnLoopback(String ownerMatch, long id, boolean dns) {
    if (dns) {
      append(
          NAT,
          ISTIO_OUTPUT,
          "-o",
          "lo",
          "-p",
          "tcp",
          "!",
          "--dport",
          DNS_PORT,
          "-m",
          "owner",
          "!",
          ownerMatch,
          str(id),
          "-j",
          "RETURN");
    } else {
      append(
          NAT, ISTIO_OUTPUT, "-o", "lo", "-m", "owner", "!", ownerMatch, str(id), "-j", "RETURN");
    }
  }

  private void ownerGroups() {
    OwnerGroups groups = config.ownerGroups();
    if (groups.except()) {
      for (String group : groups.values()) {
        append(NAT, ISTIO_OUTPUT, "-m", "owner", "--gid-owner", group, "-j", "RETURN");
      }
      return;
    }
    List<String> spec = new ArrayList<>();
    for (String group : groups.values()) {
      spec.addAll(List.of("-m", "owner", "!", "--gid-owner", group));
    }
    spec.addAll(List.of("-j", "RETURN"));
    append(NAT, ISTIO_OUTPUT, spec.toArray(String[]::new));
  }

  private void dns() {
    boolean all = config.captureAllDns();
    List<String> servers = config.dnsServers(family);
    String agent = str(CaptureConfig.AGENT_DNS_PORT);
    entry(RAW, OUTPUT, List.of("udp"), "-j", ISTIO_OUTPUT_DNS);
    if (all || !servers.isEmpty()) {
      append(NAT, ISTIO_OUTPUT, "-j", ISTIO_OUTPUT_DNS);
    }
    if (all) {
      append(
          NAT,
          ISTIO_OUTPUT_DNS,
          "-p",
          "tcp",
          "--dport",
          DNS_PORT,
          "-j",
          "REDIRECT",
          "--to-ports",
          agent);
      append(
          NAT,
          ISTIO_OUTPUT_DNS,
          "-p",
          "udp",
          "--dport",
          DNS_PORT,
          "-j",
          "REDIRECT",
          "--to-port",
          agent);
    } else {
      for (String server : servers) {
        append(
            NAT,
            ISTIO_OUTPUT_DNS,
            "-p",
            "tcp",
            "--dport",
            DNS_PORT,
            "-d",
            host(server),
            "-j",
            "REDIRECT",
            "--to-ports",
            agent);
      }
      for (String server : servers) {
        append(
            NAT,
            ISTIO_OUTPUT_DNS,
            "-p",
            "udp",
            "--dport",
            DNS_PORT,
            "-d",
            host(server),
            "-j",
            "REDIRECT",
            "--to-port",
            agent);
      }
    }
    dnsConntrackZones(all, servers, agent);
  }

  /**
   * Queries between app and agent (zone 2) and between agent and resolvers (zone 1) are kept in
   * separate conntrack zones, so the two legs of one query cannot collide.
   */
  private void dnsConntrackZones(boolean all, List<String> servers, String agent) {
    for (long uid : config.proxyUids()) {
      append(
          RAW,
          ISTIO_OUTPUT_DNS,
          "-p",
          "udp",
          "--dport",
          DNS_PORT,
          "-m",
          "owner",
          "--uid-owner",
          str(uid),
          "-j",
          "CT",
          "--zone",
          "1");
      append(
          RAW,
          ISTIO_OUTPUT_DNS,
          "-p",
          "udp",
          "--sport",
          agent,
          "-m",
          "owner",
          "--uid-owner",
          str(uid),
          "-j",
          "CT",
          "--zone",
          "2");
    }
    for (long gid : config.proxyGids()) {
      append(
          RAW,
          ISTIO_OUTPUT_DNS,
          "-p",
          "udp",
          "--dport",
          DNS_PORT,
          "-m",
          "owner",
          "--gid-owner",
          str(gid),
          "-j",
          "CT",
          "--zone",
          "1");
      append(
          RAW,
          ISTIO_OUTPUT_DNS,
          "-p",
          "udp",
          "--sport",
          agent,
          "-m",
          "owner",
          "--gid-owner",
          str(gid),
          "-j",
          "CT",
          "--zone",
          "2");
    }
    if (all) {
      entry(RAW, PREROUTING, List.of("udp"), "-j", ISTIO_INBOUND);
      append(RAW, ISTIO_OUTPUT_DNS, "-p", "udp", "--dport", DNS_PORT, "-j", "CT", "--zone", "2");
      append(RAW, ISTIO_INBOUND, "-p", "udp", "--sport", DNS_PORT, "-j", "CT", "--zone", "1");
      return;
    }
    if (!servers.isEmpty()) {
      entry(RAW, PREROUTING, List.of("udp"), "-j", ISTIO_INBOUND);
    }
    for (String server : servers) {
      append(
          RAW,
          ISTIO_OUTPUT_DNS,
          "-p",
          "udp",
          "--dport",
          DNS_PORT,
          "-d",
          host(server),
          "-j",
          "CT",
          "--zone",
          "2");
      append(
          RAW,
          ISTIO_INBOUND,
          "-p",
          "udp",
          "--sport",
          DNS_PORT,
          "-s",
          host(server),
          "-j",
          "CT",
          "--zone",
          "1");
    }
  }

  private void outboundRanges() {
    IpRanges include = config.outboundIpRangesInclude();
    if (include.wildcard()) {
      append(NAT, ISTIO_OUTPUT, "-j", ISTIO_REDIRECT);
      for (String iface : config.kubeVirtInterfaces()) {
        insertEntry(NAT, PREROUTING, 1, inbound(), "-i", iface, "-j", ISTIO_REDIRECT);
      }
      return;
    }
    for (String cidr : include.forFamily(family)) {
      for (String iface : config.kubeVirtInterfaces()) {
        insertEntry(NAT, PREROUTING, 1, inbound(), "-i", iface, "-d", cidr, "-j", ISTIO_REDIRECT);
      }
      append(NAT, ISTIO_OUTPUT, "-d", cidr, "-j", ISTIO_REDIRECT);
    }
  }

  /**
   * TPROXY: the connection mark set by Envoy's original_src filter routes replies back to it, and
   * the proxy's own calls to the pod address (marked 1338) are the only loopback traffic the
   * inbound chain may take.
   */
  private void tproxyMarks() {
    String mark = str(config.tproxyMark());
    String outboundMark = str(CaptureConfig.OUTBOUND_MARK);
    append(
        MANGLE,
        PREROUTING,
        "-p",
        "tcp",
        "-m",
        "mark",
        "--mark",
        mark,
        "-j",
        "CONNMARK",
        "--save-mark");
    append(MANGLE, OUTPUT, "-p", "tcp", "-o", "lo", "-m", "mark", "--mark", mark, "-j", "RETURN");
    for (long uid : config.proxyUids()) {
      append(
          MANGLE,
          OUTPUT,
          "!",
          "-d",
          loopback(),
          "-p",
          "tcp",
          "-o",
          "lo",
          "-m",
          "owner",
          "--uid-owner",
          str(uid),
          "-j",
          "MARK",
          "--set-mark",
          outboundMark);
    }
    for (long gid : config.proxyGids()) {
      append(
          MANGLE,
          OUTPUT,
          "!",
          "-d",
          loopback(),
          "-p",
          "tcp",
          "-o",
          "lo",
          "-m",
          "owner",
          "--gid-owner",
          str(gid),
          "-j",
          "MARK",
          "--set-mark",
          outboundMark);
    }
    append(
        MANGLE,
        OUTPUT,
        "-p",
        "tcp",
        "-m",
        "connmark",
        "--mark",
        mark,
        "-j",
        "CONNMARK",
        "--restore-mark");
    insert(MANGLE, ISTIO_INBOUND, 1, "-p", "tcp", "-m", "mark", "--mark", mark, "-j", "RETURN");
    insert(MANGLE, ISTIO_INBOUND, 2, "-p", "tcp", "-s", innerSource(), "-i", "lo", "-j", "RETURN");
    insert(
        MANGLE,
        ISTIO_INBOUND,
        3,
        "-p",
        "tcp",
        "-i",
        "lo",
        "-m",
        "mark",
        "!",
        "--mark",
        outboundMark,
        "-j",
        "RETURN");
  }

  // --- protocol scoping (pod mode) -------------------------------------------------------------

  /** Protocols that may enter the inbound chains: TCP only in pod mode. */
  private List<String> inbound() {
    return List.of("tcp");
  }

  /** Protocols that may enter the outbound chains: TCP, and UDP when DNS is captured. */
  private List<String> outbound() {
    if (config.flavor() == RuleFlavor.ISTIO) {
      return List.of("tcp", "udp");
    }
    return config.capturesDns() ? List.of("tcp", "udp") : List.of("tcp");
  }

  /**
   * A rule in a built-in chain. Istio writes it for every protocol; in pod mode it is written once
   * per protocol allowed on that path, so nothing else (SCTP above all) ever matches it.
   */
  private void entry(String table, String chain, List<String> protocols, String... spec) {
    insertEntry(table, chain, 0, protocols, spec);
  }

  private void insertEntry(
      String table, String chain, int position, List<String> protocols, String... spec) {
    if (config.flavor() == RuleFlavor.ISTIO) {
      rules.add(new IptablesRule(table, chain, position, List.of(spec)));
      return;
    }
    for (String protocol : protocols) {
      rules.add(new IptablesRule(table, chain, position, withProtocol(protocol, spec)));
    }
  }

  /**
   * {@code -p P} goes before the first match module or the target, after addresses and interfaces.
   */
  private static List<String> withProtocol(String protocol, String... spec) {
    List<String> words = new ArrayList<>(List.of(spec));
    int at = 0;
    while (at < words.size() && !words.get(at).equals("-m") && !words.get(at).equals("-j")) {
      at++;
    }
    words.addAll(at, List.of("-p", protocol));
    return words;
  }

  private void append(String table, String chain, String... spec) {
    rules.add(new IptablesRule(table, chain, 0, List.of(spec)));
  }

  private void insert(String table, String chain, int position, String... spec) {
    rules.add(new IptablesRule(table, chain, position, List.of(spec)));
  }

  private String loopback() {
    return family == IpFamily.V4 ? config.ipv4LoopbackCidr() : "::1/128";
  }

  private String innerSource() {
    return family == IpFamily.V4 ? "127.0.0.6/32" : "::6/128";
  }

  private String host(String address) {
    return address + (family == IpFamily.V4 ? "/32" : "/128");
  }

  private static String str(long value) {
    return String.valueOf(value);
  }
}
