package io.telmesh.capture;

import io.telmesh.kube.Cidr;
import io.telmesh.model.IpAddress;
import java.util.List;

/**
 * Outbound destinations to capture as istio-iptables {@code -i} takes them: every destination
 * ({@code *}) or a list of CIDRs (canonical {@code address/prefix}, in the order given).
 */
public record IpRanges(boolean wildcard, List<String> cidrs) {

  public static final IpRanges NONE = new IpRanges(false, List.of());
  public static final IpRanges ALL = new IpRanges(true, List.of());

  public IpRanges {
    cidrs = List.copyOf(cidrs);
    if (wildcard && !cidrs.isEmpty()) {
      throw new IllegalArgumentException("'*' cannot be combined with CIDRs");
    }
  }

  public static IpRanges of(List<String> cidrs) {
    return new IpRanges(false, cidrs);
  }

  public List<String> forFamily(IpFamily family) {
    return cidrs.stream().filter(c -> Cidr.isIpv6(c) == (family == IpFamily.V6)).toList();
  }

  /**
   * Whether a range starts at a loopback address. Istio then stops returning the app's own loopback
   * traffic early, so that it can be redirected.
   */
  public boolean hasLoopback() {
    return cidrs.stream().anyMatch(IpRanges::isLoopback);
  }

  private static boolean isLoopback(String cidr) {
    IpAddress address = IpAddress.parse(cidr.substring(0, cidr.indexOf('/'))).orElseThrow();
    return address.v6() ? address.address().equals("::1") : address.address().startsWith("127.");
  }
}
