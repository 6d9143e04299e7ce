package io.telmesh.kube;

import io.telmesh.model.IpAddress;
import java.util.Optional;

/** CIDR syntax checks for values handed to iptables. */
public final class Cidr {

  private Cidr() {}

  /** A canonical {@code address/prefix}; empty when the text is not a literal CIDR. */
  public static Optional<String> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String value = text.strip();
    int slash = value.indexOf('/');
    String address = slash >= 0 ? value.substring(0, slash) : value;
    if (address.contains("/")) {
      return Optional.empty();
    }
    Optional<IpAddress> ip = IpAddress.parse(address);
    if (ip.isEmpty()) {
      return Optional.empty();
    }
    int max = ip.get().hostPrefixLength();
    int prefix = max;
    if (slash >= 0) {
      String digits = value.substring(slash + 1);
      if (!digits.matches("\\d{1,3}")) {
        return Optional.empty();
      }
      prefix = Integer.parseInt(digits);
      if (prefix > max) {
        return Optional.empty();
      }
    }
    return Optional.of(ip.get().address() + "/" + prefix);
  }

  public static boolean isIpv6(String cidr) {
    return cidr.contains(":");
  }
}
