package io.telmesh.status;

import java.time.Duration;

/** What the xDS layer reports for metrics. */
public interface XdsEvents {

  void pushed(String typeShortName);

  void nacked(String typeShortName);

  /** From the first source change of a generation to the proxy's ACK of it. */
  void converged(String typeShortName, Duration latency);

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
