package io.telmesh.server;

import io.telmesh.translate.TranslationSettings;
import java.time.Duration;
import java.util.Optional;

/**
 * How a telmesh server runs.
 *
 * @param bindAddress the address both servers bind (0.0.0.0 by default)
 * @param xdsPort gRPC xDS (plaintext, Istio's 15010); 0 picks a free port
 * @param monitoringPort HTTP monitoring (Istio's 15014); 0 picks a free port
 * @param debounceQuiet push this long after the last change...
 * @param debounceMax ...but no later than this after the first one
 * @param sendThreads threads that send responses (one stream is always served by one thread)
 * @param translation the server-wide translation choices (access log default, Istio's root
 *     namespace and outbound traffic policy)
 * @param secure xDS over TLS besides the plaintext port, which then listens on loopback only unless
 *     {@link SecureServing#plaintextBind} says otherwise
 * @param sendBuffer bytes of responses the server hands to gRPC before they are written, across all
 *     streams: gRPC serializes each into direct memory until its client reads it, so this bounds
 *     that memory when thousands of proxies are sent their first config at once
 */
public record ServerOptions(
    String bindAddress,
    int xdsPort,
    int monitoringPort,
    Duration debounceQuiet,
    Duration debounceMax,
    int sendThreads,
    TranslationSettings translation,
    Optional<SecureServing> secure,
    long sendBuffer) {

  public ServerOptions {
    if (sendBuffer <= 0) {
      throw new IllegalArgumentException("sendBuffer must be positive: " + sendBuffer);
    }
  }

  /**
   * A quarter of the heap limit: the JVM's direct memory limit is the heap's unless set, and the
   * heap must still hold every proxy's state.
   */
  public static long defaultSendBuffer() {
    return Math.max(16L << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  /** Plaintext only. */
  public ServerOptions(
      String bindAddress,
      int xdsPort,
      int monitoringPort,
      Duration debounceQuiet,
      Duration debounceMax,
      int sendThreads,
      boolean accessLogDefault) {
    this(
        bindAddress,
        xdsPort,
        monitoringPort,
        debounceQuiet,
        debounceMax,
        sendThreads,
        new TranslationSettings(accessLogDefault),
        Optional.empty(),
        defaultSendBuffer());
  }

  /** Without access logs by default. */
  public ServerOptions(
      String bindAddress,
      int xdsPort,
      int monitoringPort,
      Duration debounceQuiet,
      Duration debounceMax,
      int sendThreads) {
    this(bindAddress, xdsPort, monitoringPort, debounceQuiet, debounceMax, sendThreads, false);
  }

  public static ServerOptions defaults() {
    return new ServerOptions(
        "0.0.0.0",
        15010,
        15014,
        Duration.ofMillis(100),
        Duration.ofSeconds(1),
        Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  public ServerOptions withPorts(int xds, int monitoring) {
    return new ServerOptions(
        bindAddress,
        xds,
        monitoring,
        debounceQuiet,
        debounceMax,
        sendThreads,
        translation,
        secure,
        sendBuffer);
  }

  public ServerOptions withTranslation(TranslationSettings settings) {
    return new ServerOptions(
        bindAddress,
        xdsPort,
        monitoringPort,
        debounceQuiet,
        debounceMax,
        sendThreads,
        settings,
        secure,
        sendBuffer);
  }

  /** Whether sidecars write access logs unless their pod or node says otherwise. */
  public boolean accessLogDefault() {
    return translation.accessLogDefault();
  }

  public ServerOptions withSecure(SecureServing serving) {
    return new ServerOptions(
        bindAddress,
        xdsPort,
        monitoringPort,
        debounceQuiet,
        debounceMax,
        sendThreads,
        translation,
        Optional.of(serving),
        sendBuffer);
  }

  public ServerOptions withSendBuffer(long bytes) {
    return new ServerOptions(
        bindAddress,
        xdsPort,
        monitoringPort,
        debounceQuiet,
        debounceMax,
        sendThreads,
        translation,
        secure,
        bytes);
  }

  /** Where the plaintext xDS port listens: loopback while the secure port is on, by default. */
  public String plaintextBind() {
    return secure.map(SecureServing::plaintextBind).orElse(bindAddress);
  }
}
