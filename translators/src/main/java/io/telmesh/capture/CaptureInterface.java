package io.telmesh.capture;

import io.telmesh.model.IpAddress;
import java.util.List;

/** One kernel interface of a pod and whether its TCP reaches the sidecar, per direction. */
public record CaptureInterface(
    String name,
    String network,
    List<IpAddress> addresses,
    boolean isDefault,
    boolean capturedInbound,
    boolean capturedOutbound) {

  public CaptureInterface {
    addresses = List.copyOf(addresses);
  }
}
