package io.telmesh.capture;

/** The address family a set of rules or routes is for. */
public enum IpFamily {
  V4,
  V6;

  /** The {@code ip} option selecting the family: {@code -4} or {@code -6}. */
  public String ipOption() {
    return this == V4 ? "-4" : "-6";
  }

  /** The restore binary Istio runs for the family. */
  public String restoreCommand() {
    return this == V4 ? "iptables-restore" : "ip6tables-restore";
  }

  /** The binary that prints the family's current rules. */
  public String saveCommand() {
    return this == V4 ? "iptables-save" : "ip6tables-save";
  }

  /** {@code 4} or {@code 6}, as {@code --family} spells it. */
  public int number() {
    return this == V4 ? 4 : 6;
  }
}
