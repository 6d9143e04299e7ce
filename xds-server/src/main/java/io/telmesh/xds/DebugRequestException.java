package io.telmesh.xds;

import io.grpc.Status;

/**
 * A debug request that cannot be answered; it ends the stream with this status (as istiod's debug
 * generators do), so the client sees why instead of an empty answer.
 */
public final class DebugRequestException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient Status status;

  public DebugRequestException(Status status) {
    super(status.getDescription());
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
