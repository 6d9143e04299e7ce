package io.telmesh.model;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/** A set of ports that may be "every port" ({@code *} in Istio's annotations). */
public record PortSet(boolean all, SortedSet<Integer> ports) {

  public static final PortSet ALL = new PortSet(true, new TreeSet<>());
  public static final PortSet NONE = new PortSet(false, new TreeSet<>());

  public PortSet {
    ports = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(ports));
  }

  public static PortSet of(Set<Integer> ports) {
    return new PortSet(false, new TreeSet<>(ports));
  }

  public boolean contains(int port) {
    return all || ports.contains(port);
  }

  public boolean isEmpty() {
    return !all && ports.isEmpty();
  }
}
