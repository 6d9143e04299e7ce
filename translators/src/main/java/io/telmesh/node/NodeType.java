package io.telmesh.node;

import java.util.Optional;

/** The first part of an Istio node id. */
public enum NodeType {
  SIDECAR("sidecar"),
  ROUTER("router"),
  DEBUG("debug");

  private final String id;

  NodeType(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  static Optional<NodeType> parse(String text) {
    for (NodeType type : values()) {
      if (type.id.equals(text)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
