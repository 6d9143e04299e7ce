package io.telmesh.push;

import java.time.Duration;

/** What the push pipeline reports for metrics. */
public interface PushMetrics {

  /** Building the mesh state and the shared part of the translation, once per generation. */
  void translatedMesh(Duration duration);

  /** From the first change of a burst to the end of its debounce window. */
  default void debounced(Duration waited) {}

  /**
   * From the shared part being ready to a worker taking up one proxy's snapshot: the wait behind
   * the other proxies of the same push.
   */
  default void proxyQueued(Duration waited) {}

  /** Proxies given a generation's new endpoints without being translated (endpoint-only change). */
  default void endpointsRefreshed(int proxies) {}

  /** Translating and preparing one proxy's snapshot. */
  void translatedProxy(Duration duration);

  /**
   * A whole push: from the end of the debounce window until every proxy's snapshot is installed.
   */
  void pushed(Duration duration, int proxies);

  void problems(int count);

  /** A resource was held back because Envoy would reject it (rule id as in {@code Violation}). */
  void validationFailed(String rule);

  /** A push changed a listener-level field of this listener: Envoy drains all its connections. */
  default void listenerDrained(String listener) {}

  /** A new mesh state is being served (per-network counts are taken from it). */
  default void meshServed(io.telmesh.model.MeshState mesh) {}

  PushMetrics NONE =
      new PushMetrics() {
        @Override
        public void translatedMesh(Duration duration) {}

        @Override
        public void translatedProxy(Duration duration) {}

        @Override
        public void pushed(Duration duration, int proxies) {}

        @Override
        public void problems(int count) {}

        @Override
        public void validationFailed(String rule) {}
      };
}
