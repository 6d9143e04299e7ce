package io.telmesh.status;

import java.time.Duration;

/** What the xDS layer reports for metrics. */
public interface XdsEvents {

  void pushed(String typeShortName);

  void nacked(String typeShortName);

  /**
   * From the first source change of a generation to the proxy's ACK of the push carrying it. Only
   * pushes count: an answer to a request (a proxy connecting) carries no change of its own.
   */
  void converged(String typeShortName, Duration latency);

  /**
   * From the first source change of a generation to a push carrying it being handed to the proxy's
   * stream: the server's share of the convergence, before the transport and the proxy's ACK.
   */
  default void pushSent(String typeShortName, Duration sinceChange) {}

  /** How long a new snapshot waited for its stream's serial executor to take it up. */
  default void streamQueued(Duration waited) {}

  XdsEvents NONE =
      new XdsEvents() {
        @Override
        public void pushed(String typeShortName) {}

        @Override
        public void nacked(String typeShortName) {}

        @Override
        public void converged(String typeShortName, Duration latency) {}
      };
}
