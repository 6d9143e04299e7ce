package io.telmesh.model;

import com.google.common.net.InetAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.Optional;

/**
 * A literal IP address in canonical text form. Parsing never resolves names, so a hostile string
 * can never cause a DNS lookup.
 */
public record IpAddress(String address, boolean v6) implements Comparable<IpAddress> {

  private static final Comparator<IpAddress> ORDER =
      Comparator.comparing(IpAddress::v6).thenComparing(IpAddress::address);

  /** Parses a literal address, tolerating a CIDR suffix ({@code 192.168.50.7/24}). */
  public static Optional<IpAddress> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String literal = text.strip();
    int slash = literal.indexOf('/');
    if (slash >= 0) {
      String prefix = literal.substring(slash + 1);
      if (!prefix.matches("\\d{1,3}")) {
        return Optional.empty();
      }
      literal = literal.substring(0, slash);
    }
    if (literal.isEmpty() || literal.contains("%") || !InetAddresses.isInetAddress(literal)) {
      return Optional.empty();
    }
    InetAddress parsed = InetAddresses.forString(literal);
    return Optional.of(
        new IpAddress(InetAddresses.toAddrString(parsed), parsed instanceof Inet6Address));
  }

  /** The host prefix length: 32 for IPv4, 128 for IPv6. */
  /**
   * Whether this address lies in {@code address/prefix} (a canonical CIDR, as {@code kube.Cidr}
   * gives it); addresses of the other family never do.
   */
  public boolean within(String cidr) {
    int slash = cidr.indexOf('/');
    Optional<IpAddress> network = parse(cidr.substring(0, slash));
    if (network.isEmpty() || network.get().v6() != v6) {
      return false;
    }
    byte[] mine = com.google.common.net.InetAddresses.forString(address).getAddress();
    byte[] theirs =
        com.google.common.net.InetAddresses.forString(network.get().address()).getAddress();
    int prefix = Integer.parseInt(cidr.substring(slash + 1));
    for (int bit = 0; bit < prefix; bit++) {
      int mask = 0x80 >>> (bit % 8);
      if ((mine[bit / 8] & mask) != (theirs[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  public int hostPrefixLength() {
    return v6 ? 128 : 32;
  }

  @Override
  public int compareTo(IpAddress other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return address;
  }
}
