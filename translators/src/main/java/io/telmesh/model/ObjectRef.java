package io.telmesh.model;

/** A Kubernetes object by kind, namespace and name; what problems and untouched ports point at. */
public record ObjectRef(String kind, String namespace, String name) {

  public static ObjectRef pod(NamespacedName key) {
    return new ObjectRef("Pod", key.namespace(), key.name());
  }

  public static ObjectRef service(NamespacedName key) {
    return new ObjectRef("Service", key.namespace(), key.name());
  }

  public NamespacedName key() {
    return new NamespacedName(namespace, name);
  }
}
