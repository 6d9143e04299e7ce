package io.telmesh.inbound;

import io.telmesh.model.IpAddress;
import java.util.List;

/** A pod interface an inbound chain is pinned to: its name, its network and its addresses. */
public record InterfaceBinding(String interfaceName, String network, List<IpAddress> addresses) {

  public InterfaceBinding {
    addresses = List.copyOf(addresses);
  }
}
