package io.telmesh.capture;

import java.util.List;

/**
 * Inbound ports to capture as istio-iptables {@code -b} takes them: every port ({@code *}), a list
 * in the order given (one rule per entry), or none (an empty list disables inbound capture).
 */
public record PortSelection(boolean all, List<Integer> ports) {

  public static final PortSelection NONE = new PortSelection(false, List.of());
  public static final PortSelection ALL = new PortSelection(true, List.of());

  public PortSelection {
    ports = List.copyOf(ports);
    if (all && !ports.isEmpty()) {
      throw new IllegalArgumentException("'*' cannot be combined with ports");
    }
  }

  public static PortSelection of(List<Integer> ports) {
    return new PortSelection(false, ports);
  }

  public boolean isEmpty() {
    return !all && ports.isEmpty();
  }
}
