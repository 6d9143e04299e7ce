package io.telmesh.envoy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.telmesh.model.IpAddress;

/** Envoy addresses. */
public final class Addresses {

  private Addresses() {}

  public static Address socket(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }

  /** A host range: {@code /32} for IPv4, {@code /128} for IPv6. */
  public static CidrRange host(IpAddress ip) {
    return CidrRange.newBuilder()
        .setAddressPrefix(ip.address())
        .setPrefixLen(UInt32Value.of(ip.hostPrefixLength()))
        .build();
  }
}
