package io.telmesh.model;

import java.util.Locale;
import java.util.Optional;

/** How a pod's traffic reaches its sidecar (Istio's {@code INTERCEPTION_MODE}). */
public enum InterceptionMode {
  REDIRECT,
  TPROXY,
  NONE;

  /** Strict parse: empty for anything but the three names (case-insensitive). */
  public static Optional<InterceptionMode> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(text.strip().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Node metadata as Istio reads it: empty or unknown means REDIRECT. */
  public static InterceptionMode fromMetadata(String text) {
    return parse(text).orElse(REDIRECT);
  }
}
