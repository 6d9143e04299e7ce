package io.telmesh.capture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of each case of Istio's capture tests ({@code run_test.go}), as istio-iptables flags
 * (telmesh's names for what Istio takes from its environment or detects), and how to read the rule
 * lines out of a golden file.
 */
final class IstioCases {

  /** What every case of Istio's test starts from. */
  static final List<String> BASE =
      List.of(
          "-p", "15001", "-z", "15006", "-e", "15008", "-u", "1337", "-g", "1337", "-t", "1337",
          "-r", "133");

  /** Case name (the golden's file name) to the flags added to {@link #BASE}. */
  static final Map<String, List<String>> CASES = new LinkedHashMap<>();

  static {
    CASES.put("ipv6-empty-inbound-ports", List.of("-b", "", "--ipv6"));
    CASES.put(
        "ip-range",
        List.of(
            "-x",
            "1.1.0.0/16",
            "-i",
            "9.9.0.0/16",
            "--redirect-dns",
            "-g",
            "1,2",
            "-u",
            "3,4",
            "--dns-servers",
            "127.0.0.53"));
    CASES.put(
        "tproxy",
        List.of(
            "-m",
            "TPROXY",
            "-b",
            "*",
            "-x",
            "1.1.0.0/16",
            "-i",
            "9.9.0.0/16",
            "--redirect-dns",
            "--dns-servers",
            "127.0.0.53",
            "-g",
            "1337",
            "-u",
            "1337",
            "-c",
            "not-istio-nic",
            "--ipv6"));
    CASES.put("ipv6-inbound-ports", List.of("-b", "4000,5000", "--ipv6"));
    CASES.put("ipv6-virt-interfaces", List.of("-b", "4000,5000", "-k", "eth0,eth1", "--ipv6"));
    CASES.put(
        "ipv6-ipnets",
        List.of(
            "-b",
            "4000,5000",
            "-d",
            "6000,7000,",
            "-k",
            "eth0,eth1",
            "-x",
            "2001:db8::/32",
            "-i",
            "2001:db8::/32",
            "--ipv6"));
    CASES.put(
        "ipv6-uid-gid",
        List.of(
            "-b",
            "4000,5000",
            "-d",
            "6000,7000",
            "-k",
            "eth0,eth1",
            "-g",
            "1,2",
            "-u",
            "3,4",
            "--ipv6",
            "-x",
            "2001:db8::/32",
            "-i",
            "2001:db8::/32"));
    CASES.put("ipv6-outbound-ports", List.of("-b", "", "-q", "32000,31000", "--ipv6"));
    CASES.put("empty", List.of());
    CASES.put("kube-virt-interfaces", List.of("-k", "eth1,eth2", "-i", "*"));
    CASES.put("ipnets", List.of("-i", "10.0.0.0/8"));
    CASES.put("ipnets-with-kube-virt-interfaces", List.of("-k", "eth1,eth2", "-i", "10.0.0.0/8"));
    CASES.put("inbound-ports-include", List.of("-b", "32000,31000"));
    CASES.put("inbound-ports-wildcard", List.of("-b", "*"));
    CASES.put("inbound-ports-tproxy", List.of("-b", "32000,31000", "-m", "TPROXY"));
    CASES.put("inbound-ports-wildcard-tproxy", List.of("-b", "*", "-m", "TPROXY"));
    CASES.put(
        "dns-uid-gid",
        List.of(
            "--redirect-dns",
            "--dns-servers",
            "127.0.0.53,::127.0.0.53",
            "-g",
            "1,2",
            "-u",
            "3,4",
            "--ipv6"));
    CASES.put("ipv6-dns-uid-gid", List.of("--ipv6", "--redirect-dns", "-g", "1,2", "-u", "3,4"));
    CASES.put("outbound-owner-groups", List.of("--owner-groups", "java,202"));
    CASES.put("outbound-owner-groups-exclude", List.of("--owner-groups-exclude", "888,ftp"));
    CASES.put(
        "ipv6-dns-outbound-owner-groups",
        List.of("--ipv6", "--redirect-dns", "--owner-groups", "java,202"));
    CASES.put(
        "ipv6-dns-outbound-owner-groups-exclude",
        List.of("--ipv6", "--redirect-dns", "--owner-groups-exclude", "888,ftp"));
    CASES.put("outbound-ports-include", List.of("-q", "32000,31000"));
    CASES.put(
        "loopback-outbound-iprange",
        List.of(
            "-i",
            "127.1.2.3/32",
            "--redirect-dns",
            "--dns-servers",
            "127.0.0.53",
            "-g",
            "1,2",
            "-u",
            "3,4"));
    CASES.put("basic-exclude-nic", List.of("-c", "not-istio-nic"));
    CASES.put("drop-invalid", List.of("--drop-invalid"));
    CASES.put("host-ipv4-loopback-cidr", List.of("--ipv4-loopback-cidr", "127.0.0.1/8"));
  }

  private IstioCases() {}

  static List<String> flags(String name) {
    List<String> flags = new ArrayList<>(BASE);
    flags.addAll(CASES.get(name));
    return flags;
  }

  /** telmesh's rule lines for a case: the IPv4 payload, then the IPv6 one when there is one. */
  static List<String> telmeshLines(String name) {
    CapturePlan plan = CapturePlanBuilder.fromConfig(IstioFlags.parse(flags(name)));
    List<String> lines = new ArrayList<>(plan.rules().restorePayload(IpFamily.V4).lines().toList());
    lines.addAll(plan.rules().restorePayload(IpFamily.V6).lines().toList());
    return lines;
  }

  /**
   * The restore payload lines of a golden: everything but the {@code iptables-save} state checks
   * around it (IPv4 payload first, IPv6 after it, as Istio runs them).
   */
  static List<String> goldenLines(String golden) {
    return golden
        .lines()
        .filter(line -> !line.endsWith("-save"))
        .filter(line -> !line.isBlank())
        .toList();
  }
}
