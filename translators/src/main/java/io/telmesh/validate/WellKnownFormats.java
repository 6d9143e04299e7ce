package io.telmesh.validate;

import com.google.common.net.InetAddresses;
import com.google.re2j.Pattern;
import io.envoyproxy.pgv.validate.Validate.KnownRegex;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The string formats protoc-gen-validate names ({@code hostname}, {@code ip}, {@code address},
 * {@code uri}, the HTTP header regexes, …), with PGV's meaning. Parsing never resolves a name.
 */
final class WellKnownFormats {

  /** RFC 7230 token, optionally an HTTP/2 pseudo-header; PGV's strict header name. */
  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+-.^_|~\\x60]+$");

  /** RFC 7230 field value: no control characters but horizontal tab. */
  private static final Pattern HEADER_VALUE = Pattern.compile("^[^\\x00-\\x08\\x0A-\\x1F\\x7F]*$");

  /** {@code strict: false}: only NUL, CR and LF are refused. */
  private static final Pattern HEADER_LOOSE = Pattern.compile("^[^\\x00\\x0A\\x0D]*$");

  private static final Pattern UUID =
      Pattern.compile(
          "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  private static final Pattern LABEL = Pattern.compile("^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$");

  private WellKnownFormats() {}

  static boolean matchesKnownRegex(KnownRegex regex, boolean strict, String value) {
    Pattern pattern =
        switch (regex) {
          case HTTP_HEADER_NAME -> strict ? HEADER_NAME : HEADER_LOOSE;
          case HTTP_HEADER_VALUE -> strict ? HEADER_VALUE : HEADER_LOOSE;
          default -> null;
        };
    return pattern == null || pattern.matcher(value).find();
  }

  /** RFC 1034 host name: dot-separated labels of letters, digits and inner hyphens. */
  static boolean isHostname(String value) {
    String host = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
    if (host.isEmpty() || host.length() > 253) {
      return false;
    }
    for (String label : host.split("\\.", -1)) {
      if (label.isEmpty() || label.length() > 63 || !LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  static boolean isIp(String value) {
    return isIpv4(value) || isIpv6(value);
  }

  static boolean isIpv4(String value) {
    return !value.contains("%")
        && InetAddresses.isInetAddress(value)
        && InetAddresses.forString(value) instanceof Inet4Address;
  }

  static boolean isIpv6(String value) {
    return value.contains(":")
        && !value.contains("%")
        && InetAddresses.isInetAddress(value)
        && (InetAddresses.forString(value) instanceof Inet6Address || isIpv4Mapped(value));
  }

  /** Guava reads {@code ::ffff:1.2.3.4} as IPv4; as text it is an IPv6 literal. */
  private static boolean isIpv4Mapped(String value) {
    return value.toLowerCase(Locale.ROOT).startsWith("::ffff:");
  }

  static boolean isAddress(String value) {
    return isIp(value) || isHostname(value);
  }

  static boolean isEmail(String value) {
    String address = value;
    int open = value.indexOf('<');
    if (open >= 0 && value.endsWith(">")) {
      address = value.substring(open + 1, value.length() - 1);
    }
    int at = address.lastIndexOf('@');
    if (at <= 0 || at == address.length() - 1 || address.length() > 254) {
      return false;
    }
    String local = address.substring(0, at);
    return local.length() <= 64
        && local.chars().noneMatch(c -> c <= ' ' || c == '@' || c == '<' || c == '>')
        && isHostname(address.substring(at + 1));
  }

  static boolean isUri(String value) {
    return parseUri(value) != null && parseUri(value).isAbsolute();
  }

  static boolean isUriRef(String value) {
    return parseUri(value) != null;
  }

  static boolean isUuid(String value) {
    return UUID.matcher(value).matches();
  }

  private static URI parseUri(String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
