package io.telmesh.e2e.proxyless;

import io.telmesh.e2e.netns.Shell;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace standing in for the pod network: every pod address of the mesh (eth0 and
 * secondary networks alike) sits on its loopback interface (dummy links need a kernel module not
 * every machine has), so the grpc-go programs started inside can listen on and connect to the
 * addresses telmesh hands out. The control plane stays in the test's JVM, reached over one veth
 * pair on a private /30: {@code hostAddress} on the host's end, {@code namespaceAddress} inside.
 * Deleting the namespace deletes both ends.
 */
final class MeshNamespace implements AutoCloseable {

  final String name;
  final String hostAddress;
  final String namespaceAddress;
  private final String hostLink;
  private final Thread cleanupOnExit;

  private MeshNamespace(String suffix, int subnet) {
    this.name = "tmgo-" + suffix;
    this.hostLink = "tmgo" + suffix;
    this.hostAddress = "10.255." + subnet + ".1";
    this.namespaceAddress = "10.255." + subnet + ".2";
    // If the test JVM is killed (surefire's timeout), still leave nothing behind.
    this.cleanupOnExit = new Thread(this::delete, "mesh-netns-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupOnExit);
  }

  /**
   * @throws AssertionError, loudly, when this machine cannot run the test (not root, no netns): a
   *     skipped proof must never look like a passed one
   */
  static MeshNamespace create(Collection<String> podAddresses) {
    requirePrivileges();
    MeshNamespace namespace =
        new MeshNamespace(
            UUID.randomUUID().toString().substring(0, 6),
            ThreadLocalRandom.current().nextInt(1, 255));
    try {
      namespace.build(podAddresses);
      return namespace;
    } catch (RuntimeException | Error e) {
      namespace.close();
      throw e;
    }
  }

  private static void requirePrivileges() {
    List<String> problems = new ArrayList<>();
    String uid = Shell.run("id", "-u").output().strip();
    if (!uid.equals("0")) {
      problems.add("running as uid " + uid + ", not root");
    }
    if (Shell.run("sh", "-c", "command -v ip").exitCode() != 0) {
      problems.add("iproute2 (ip) is not installed");
    }
    if (!problems.isEmpty()) {
      String message =
          "\n\n*** THE GRPC-GO TESTS CANNOT RUN HERE: "
              + String.join("; ", problems)
              + ".\n*** They need root (CAP_NET_ADMIN) and iproute2; CI runs them as root through"
              + " .ci/run.\n*** They fail instead of skipping, so that a missing proof is never"
              + " taken for a passing one.\n";
      System.err.println(message);
      throw new AssertionError(message);
    }
  }

  private void build(Collection<String> podAddresses) {
    Shell.ok("ip", "netns", "add", name);
    Shell.ok("ip", "-n", name, "link", "set", "lo", "up");
    for (String address : podAddresses) {
      boolean v6 = address.contains(":");
      List<String> add = new ArrayList<>(List.of("ip", "-n", name));
      add.addAll(
          List.of(v6 ? "-6" : "-4", "addr", "add", address + (v6 ? "/128" : "/32"), "dev", "lo"));
      if (v6) {
        add.add("nodad");
      }
      Shell.ok(add.toArray(String[]::new));
    }
    Shell.ok("ip", "link", "add", hostLink, "type", "veth", "peer", "name", "xds0", "netns", name);
    Shell.ok("ip", "addr", "add", hostAddress + "/30", "dev", hostLink);
    Shell.ok("ip", "-n", name, "addr", "add", namespaceAddress + "/30", "dev", "xds0");
    Shell.ok("ip", "link", "set", hostLink, "up");
    Shell.ok("ip", "-n", name, "link", "set", "xds0", "up");
  }

  /** The command line that runs a command inside the namespace. */
  List<String> in(List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(command);
    return full;
  }

  private void delete() {
    Shell.run("ip", "netns", "del", name);
    // Normally gone with the namespace; a leftover host end is removed here.
    if (Shell.run("ip", "link", "show", hostLink).exitCode() == 0) {
      Shell.run("ip", "link", "del", hostLink);
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
}
