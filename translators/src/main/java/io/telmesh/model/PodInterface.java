package io.telmesh.model;

import java.util.List;

/**
 * One network interface of a pod as Multus reported it: {@code eth0} on the cluster network ({@code
 * network = "default"}) or a secondary attachment ({@code network = "ns/nad"}).
 */
public record PodInterface(String name, String network, List<IpAddress> ips, boolean isDefault) {

  public static final String DEFAULT_NETWORK = "default";
  public static final String DEFAULT_INTERFACE = "eth0";

  public PodInterface {
    ips = List.copyOf(ips);
  }

  public boolean hasIpv6() {
    return ips.stream().anyMatch(IpAddress::v6);
  }

  public boolean hasIpv4() {
    return ips.stream().anyMatch(ip -> !ip.v6());
  }
}
