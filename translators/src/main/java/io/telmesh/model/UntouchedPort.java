package io.telmesh.model;

/**
 * A port telmesh deliberately leaves alone (UDP and SCTP): no listener, no chain, no cluster, no
 * capture rule. Listed so operators can see the decision and its reason.
 */
public record UntouchedPort(
    ObjectRef owner, String portName, int port, L4Protocol transport, String reason)
    implements Comparable<UntouchedPort> {

  @Override
  public int compareTo(UntouchedPort other) {
    int c = owner.kind().compareTo(other.owner.kind());
    if (c == 0) {
      c = owner.namespace().compareTo(other.owner.namespace());
    }
    if (c == 0) {
      c = owner.name().compareTo(other.owner.name());
    }
    if (c == 0) {
      c = Integer.compare(port, other.port);
    }
    return c != 0 ? c : transport.compareTo(other.transport);
  }

  public io.telmesh.proto.v1.UntouchedPort toProto() {
    return io.telmesh.proto.v1.UntouchedPort.newBuilder()
        .setPort(port)
        .setProtocol(transport.name())
        .setOwner(owner.kind() + " " + owner.namespace() + "/" + owner.name())
        .setName(portName)
        .setReason(reason)
        .build();
  }

  public String describe() {
    return owner.kind()
        + " "
        + owner.namespace()
        + "/"
        + owner.name()
        + " "
        + transport
        + "/"
        + port
        + (portName.isEmpty() ? "" : " (" + portName + ")")
        + ": "
        + reason;
  }
}
