package io.telmesh.model;

/** A Service port's {@code targetPort}: a number, or a container port name resolved per pod. */
public sealed interface TargetPort {

  record Numeric(int port) implements TargetPort {
    @Override
    public String toString() {
      return Integer.toString(port);
    }
  }

  record Named(String name) implements TargetPort {
    @Override
    public String toString() {
      return name;
    }
  }
}
