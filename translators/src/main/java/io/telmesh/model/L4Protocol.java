package io.telmesh.model;

import java.util.Locale;
import java.util.Optional;

/** The Kubernetes transport protocol of a port ({@code protocol:} in a Service or container). */
public enum L4Protocol {
  TCP,
  UDP,
  SCTP;

  /** Kubernetes defaults an absent protocol to TCP; anything unknown is empty. */
  public static Optional<L4Protocol> parse(String text) {
    if (text == null || text.isBlank()) {
      return Optional.of(TCP);
    }
    try {
      return Optional.of(valueOf(text.strip().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** UDP and SCTP are never proxied: Envoy cannot carry SCTP, and telco UDP must bypass. */
  public boolean untouched() {
    return this != TCP;
  }
}
