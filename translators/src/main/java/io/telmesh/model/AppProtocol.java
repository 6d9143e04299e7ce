package io.telmesh.model;

/**
 * The application protocol telmesh serves a TCP port as, following Istio's names, plus Diameter.
 * {@link #AUTO} is Istio's protocol sniffing (HTTP detection with TCP fallback).
 */
public enum AppProtocol {
  HTTP("http"),
  HTTP2("http2"),
  GRPC("grpc"),
  GRPC_WEB("grpc-web"),
  HTTPS("https"),
  TLS("tls"),
  TCP("tcp"),
  MONGO("mongo"),
  REDIS("redis"),
  MYSQL("mysql"),
  AUTO("auto"),
  DIAMETER("diameter");

  private final String label;

  AppProtocol(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** Served through an HTTP connection manager. */
  public boolean isHttp() {
    return this == HTTP || this == HTTP2 || this == GRPC || this == GRPC_WEB;
  }

  /** HTTP/2 on the upstream connection (h2c). */
  public boolean isHttp2() {
    return this == HTTP2 || this == GRPC || this == GRPC_WEB;
  }
}
