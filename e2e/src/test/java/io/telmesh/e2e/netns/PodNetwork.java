package io.telmesh.e2e.netns;

import java.util.List;
import java.util.UUID;

/**
 * A "pod" network namespace with two interfaces, each a veth pair to its own "peer" namespace on
 * its own subnet: {@code eth0} 10.10.0.2/24 ↔ peer A 10.10.0.1, {@code net1} 10.20.0.2/24 (and
 * fd00:20::2/64) ↔ peer B 10.20.0.1 (fd00:20::1). The veths are created directly inside the
 * namespaces, so nothing is ever named in the host's namespace, and deleting the namespaces deletes
 * them.
 */
final class PodNetwork implements AutoCloseable {

  static final String POD_ETH0 = "10.10.0.2";
  static final String PEER_A = "10.10.0.1";
  static final String POD_NET1 = "10.20.0.2";
  static final String PEER_B = "10.20.0.1";
  static final String POD_NET1_V6 = "fd00:20::2";

  final String pod;
  final String peerA;
  final String peerB;
  private final Thread cleanupOnExit;

  private PodNetwork(String prefix) {
    this.pod = prefix + "-pod";
    this.peerA = prefix + "-a";
    this.peerB = prefix + "-b";
    // If the test JVM is killed (timeout), still leave no namespaces behind.
    this.cleanupOnExit = new Thread(this::delete, "netns-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupOnExit);
  }

  /**
   * @throws AssertionError, loudly, when this machine cannot run the test (not root, no netns
   *     support, no iptables): a skipped proof must never look like a passed one
   */
  static PodNetwork create() {
    requirePrivileges();
    PodNetwork network = new PodNetwork("tmcap-" + UUID.randomUUID().toString().substring(0, 6));
    try {
      network.build();
      return network;
    } catch (RuntimeException | Error e) {
      network.close();
      throw e;
    }
  }

  private static void requirePrivileges() {
    String uid = Shell.run("id", "-u").output().strip();
    List<String> problems = new java.util.ArrayList<>();
    if (!uid.equals("0")) {
      problems.add("running as uid " + uid + ", not root");
    }
    for (String tool :
        List.of("ip", "iptables", "ip6tables", "iptables-restore", "iptables-save")) {
      if (Shell.run("sh", "-c", "command -v " + tool).exitCode() != 0) {
        problems.add(tool + " is not installed");
      }
    }
    if (problems.isEmpty()) {
      String probe = "tmcap-probe-" + UUID.randomUUID().toString().substring(0, 6);
      Shell.Result added = Shell.run("ip", "netns", "add", probe);
      if (added.exitCode() != 0) {
        problems.add("'ip netns add' failed: " + added.output().strip());
      } else {
        Shell.Result rules = Shell.run(Shell.in(probe, "iptables", "-t", "nat", "-L", "-n"), "");
        if (rules.exitCode() != 0) {
          problems.add("iptables does not work inside a namespace: " + rules.output().strip());
        }
        Shell.run("ip", "netns", "del", probe);
      }
    }
    if (!problems.isEmpty()) {
      String message =
          "\n\n*** NETWORK-NAMESPACE CAPTURE TESTS CANNOT RUN HERE: "
              + String.join("; ", problems)
              + ".\n*** They need root (CAP_SYS_ADMIN, CAP_NET_ADMIN), iproute2 and iptables; CI runs them as root"
              + " through .ci/run.\n*** They fail instead of skipping, so that a missing proof is never taken for a"
              + " passing one.\n";
      System.err.println(message);
      throw new AssertionError(message);
    }
  }

  private void build() {
    for (String namespace : List.of(pod, peerA, peerB)) {
      Shell.ok("ip", "netns", "add", namespace);
      Shell.ok("ip", "-n", namespace, "link", "set", "lo", "up");
    }
    Shell.ok(
        "ip", "link", "add", "eth0", "netns", pod, "type", "veth", "peer", "name", "a0", "netns",
        peerA);
    Shell.ok(
        "ip", "link", "add", "net1", "netns", pod, "type", "veth", "peer", "name", "b0", "netns",
        peerB);
    Shell.ok("ip", "-n", pod, "addr", "add", POD_ETH0 + "/24", "dev", "eth0");
    Shell.ok("ip", "-n", pod, "addr", "add", POD_NET1 + "/24", "dev", "net1");
    Shell.ok("ip", "-n", pod, "-6", "addr", "add", POD_NET1_V6 + "/64", "dev", "net1", "nodad");
    Shell.ok("ip", "-n", peerA, "addr", "add", PEER_A + "/24", "dev", "a0");
    Shell.ok("ip", "-n", peerB, "addr", "add", PEER_B + "/24", "dev", "b0");
    Shell.ok("ip", "-n", peerB, "-6", "addr", "add", "fd00:20::1/64", "dev", "b0", "nodad");
    Shell.ok("ip", "-n", pod, "link", "set", "eth0", "up");
    Shell.ok("ip", "-n", pod, "link", "set", "net1", "up");
    Shell.ok("ip", "-n", peerA, "link", "set", "a0", "up");
    Shell.ok("ip", "-n", peerB, "link", "set", "b0", "up");
  }

  /** Runs a command inside the pod's namespace; it must succeed. */
  String inPod(String... command) {
    List<String> full = Shell.in(pod, command);
    return Shell.ok(full.toArray(String[]::new));
  }

  /** Removes every rule, chain and route a previous apply left in the pod's namespace. */
  void resetCapture() {
    for (String binary : List.of("iptables", "ip6tables")) {
      for (String table : List.of("filter", "nat", "mangle", "raw")) {
        inPod(binary, "-t", table, "-F");
        inPod(binary, "-t", table, "-X");
      }
    }
    for (String family : List.of("-4", "-6")) {
      while (Shell.run(
                  Shell.in(pod, "ip", family, "rule", "del", "fwmark", "1337", "lookup", "133"), "")
              .exitCode()
          == 0) {
        // delete every copy
      }
      Shell.run(Shell.in(pod, "ip", family, "route", "flush", "table", "133"), "");
    }
  }

  private void delete() {
    for (String namespace : List.of(pod, peerA, peerB)) {
      Shell.run("ip", "netns", "del", namespace);
    }
  }

  @Override
  public void close() {
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
  }

  /** Whether any of the namespaces is still there (for the cleanup check). */
  boolean anyLeft() {
    String list = Shell.run("ip", "netns", "list").output();
    return list.lines()
        .anyMatch(
            l ->
                l.startsWith(pod + " ")
                    || l.equals(pod)
                    || l.startsWith(peerA)
                    || l.startsWith(peerB));
  }
}
