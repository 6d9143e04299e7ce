package io.telmesh.model;

/** A port a pod's container declares ({@code spec.containers[].ports[]}). */
public record ContainerPort(String name, int port, L4Protocol protocol) {

  public ContainerPort {
    name = name == null ? "" : name;
  }
}
