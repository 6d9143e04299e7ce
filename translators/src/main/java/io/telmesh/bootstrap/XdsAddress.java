package io.telmesh.bootstrap;

import io.telmesh.model.IpAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where Envoy reaches the telmesh server: {@code HOST:PORT} or {@code [IPV6]:PORT}. An IP literal
 * makes a {@code STATIC} cluster; a DNS name (such as a Service's {@code
 * telmesh.telmesh-system.svc}) a {@code STRICT_DNS} one.
 *
 * @param host an IP literal (canonical form) or a lower-case DNS name, without brackets
 */
public record XdsAddress(String host, int port, boolean ip) {

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /**
   * Reads {@code HOST:PORT} (an IPv6 host in brackets).
   *
   * @throws IllegalArgumentException with a message saying what is wrong and what is expected
   */
  public static XdsAddress parse(String text) {
    String value = text == null ? "" : text.strip();
    String host;
    String port;
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
        throw invalid(value, "an IPv6 address is written [ADDRESS]:PORT");
      }
      host = value.substring(1, close);
      port = value.substring(close + 2);
      Optional<IpAddress> v6 = literal(host).filter(IpAddress::v6);
      if (v6.isEmpty()) {
        throw invalid(value, "'" + host + "' inside brackets is not an IPv6 address");
      }
      return new XdsAddress(v6.get().address(), port(value, port), true);
    }
    int colon = value.lastIndexOf(':');
    if (colon < 0) {
      throw invalid(value, "the port is missing");
    }
    if (value.indexOf(':') != colon) {
      throw invalid(value, "an IPv6 address must be bracketed, e.g. [fd00::1]:15010");
    }
    host = value.substring(0, colon);
    port = value.substring(colon + 1);
    int number = port(value, port);
    Optional<IpAddress> ip = literal(host);
    if (ip.isPresent()) {
      return new XdsAddress(ip.get().address(), number, true);
    }
    String name = host.toLowerCase(Locale.ROOT);
    if (!isDnsName(name)) {
      throw invalid(value, "'" + host + "' is neither an IP address nor a DNS name");
    }
    return new XdsAddress(
        name.endsWith(".") ? name.substring(0, name.length() - 1) : name, number, false);
  }

  private static Optional<IpAddress> literal(String host) {
    return host.contains("/") ? Optional.empty() : IpAddress.parse(host);
  }

  private static int port(String value, String port) {
    if (!DIGITS.matcher(port).matches() || port.length() > 5) {
      throw invalid(value, "the port '" + port + "' is not a number");
    }
    int number = Integer.parseInt(port);
    if (number < 1 || number > 65535) {
      throw invalid(value, "the port " + number + " is not in 1-65535");
    }
    return number;
  }

  /** RFC 1123 labels; an all-numeric last label would be a mistyped IPv4 address, not a name. */
  private static boolean isDnsName(String name) {
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (trimmed.isEmpty() || trimmed.length() > 253) {
      return false;
    }
    String[] labels = trimmed.split("\\.", -1);
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return !DIGITS.matcher(labels[labels.length - 1]).matches();
  }

  private static IllegalArgumentException invalid(String value, String reason) {
    return new IllegalArgumentException(
        "invalid xDS address '" + value + "': " + reason + " (expected HOST:PORT or [IPV6]:PORT)");
  }

  @Override
  public String toString() {
    return (ip && host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
