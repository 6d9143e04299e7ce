package io.telmesh.validate;

import com.google.common.base.Utf8;
import com.google.re2j.Pattern;
import io.envoyproxy.pgv.validate.Validate.KnownRegex;
import io.envoyproxy.pgv.validate.Validate.StringRules;
import java.util.List;
import java.util.function.Predicate;

/**
 * {@code (validate.rules).string}: lengths in code points and in UTF-8 bytes, RE2 patterns,
 * affixes, sets and the well-known formats.
 */
final class StringCheck implements ValueCheck {

  private record Format(String name, Predicate<String> test, String description) {}

  private final String rule;
  private final StringRules rules;
  private final Pattern pattern;
  private final Format format;
  private final List<String> in;
  private final List<String> notIn;

  StringCheck(String prefix, StringRules rules) {
    this.rule = prefix + "string";
    this.rules = rules;
    this.pattern = rules.hasPattern() ? Pattern.compile(rules.getPattern()) : null;
    this.format = format(rules);
    this.in = List.copyOf(rules.getInList());
    this.notIn = List.copyOf(rules.getNotInList());
  }

  private static Format format(StringRules rules) {
    boolean strict = rules.getStrict();
    return switch (rules.getWellKnownCase()) {
      case EMAIL ->
          rules.getEmail()
              ? new Format("email", WellKnownFormats::isEmail, "an email address")
              : null;
      case HOSTNAME ->
          rules.getHostname()
              ? new Format("hostname", WellKnownFormats::isHostname, "a host name")
              : null;
      case IP -> rules.getIp() ? new Format("ip", WellKnownFormats::isIp, "an IP address") : null;
      case IPV4 ->
          rules.getIpv4() ? new Format("ipv4", WellKnownFormats::isIpv4, "an IPv4 address") : null;
      case IPV6 ->
          rules.getIpv6() ? new Format("ipv6", WellKnownFormats::isIpv6, "an IPv6 address") : null;
      case URI ->
          rules.getUri() ? new Format("uri", WellKnownFormats::isUri, "an absolute URI") : null;
      case URI_REF ->
          rules.getUriRef()
              ? new Format("uri_ref", WellKnownFormats::isUriRef, "a URI reference")
              : null;
      case ADDRESS ->
          rules.getAddress()
              ? new Format("address", WellKnownFormats::isAddress, "a host name or IP address")
              : null;
      case UUID -> rules.getUuid() ? new Format("uuid", WellKnownFormats::isUuid, "a UUID") : null;
      case WELL_KNOWN_REGEX ->
          rules.getWellKnownRegex() == KnownRegex.UNKNOWN
              ? null
              : new Format(
                  "well_known_regex",
                  v -> WellKnownFormats.matchesKnownRegex(rules.getWellKnownRegex(), strict, v),
                  describe(rules.getWellKnownRegex(), strict));
      case WELLKNOWN_NOT_SET -> null;
    };
  }

  private static String describe(KnownRegex regex, boolean strict) {
    String what =
        regex == KnownRegex.HTTP_HEADER_NAME ? "an HTTP header name" : "an HTTP header value";
    return strict ? what + " (RFC 7230)" : what + " without NUL, CR or LF";
  }

  @Override
  public void check(Object raw, Walk walk) {
    String value = (String) raw;
    if (rules.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    if (rules.hasConst() && !value.equals(rules.getConst())) {
      walk.report(rule + ".const", "must equal '" + rules.getConst() + "', is " + quoted(value));
    }
    if (rules.hasLen() || rules.hasMinLen() || rules.hasMaxLen()) {
      long length = value.codePointCount(0, value.length());
      if (rules.hasLen() && length != rules.getLen()) {
        walk.report(
            rule + ".len", "must be exactly " + rules.getLen() + " characters long, is " + length);
      }
      if (rules.hasMinLen() && length < rules.getMinLen()) {
        walk.report(
            rule + ".min_len",
            "must be at least " + rules.getMinLen() + " characters long, is " + length);
      }
      if (rules.hasMaxLen() && length > rules.getMaxLen()) {
        walk.report(
            rule + ".max_len",
            "must be at most " + rules.getMaxLen() + " characters long, is " + length);
      }
    }
    if (rules.hasLenBytes() || rules.hasMinBytes() || rules.hasMaxBytes()) {
      long bytes = Utf8.encodedLength(value);
      if (rules.hasLenBytes() && bytes != rules.getLenBytes()) {
        walk.report(
            rule + ".len_bytes",
            "must be exactly " + rules.getLenBytes() + " bytes long, is " + bytes);
      }
      if (rules.hasMinBytes() && bytes < rules.getMinBytes()) {
        walk.report(
            rule + ".min_bytes",
            "must be at least " + rules.getMinBytes() + " bytes long, is " + bytes);
      }
      if (rules.hasMaxBytes() && bytes > rules.getMaxBytes()) {
        walk.report(
            rule + ".max_bytes",
            "must be at most " + rules.getMaxBytes() + " bytes long, is " + bytes);
      }
    }
    if (pattern != null && !pattern.matcher(value).find()) {
      walk.report(
          rule + ".pattern", "must match /" + rules.getPattern() + "/, is " + quoted(value));
    }
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix())) {
      walk.report(
          rule + ".prefix", "must start with '" + rules.getPrefix() + "', is " + quoted(value));
    }
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix())) {
      walk.report(
          rule + ".suffix", "must end with '" + rules.getSuffix() + "', is " + quoted(value));
    }
    if (rules.hasContains() && !value.contains(rules.getContains())) {
      walk.report(
          rule + ".contains", "must contain '" + rules.getContains() + "', is " + quoted(value));
    }
    if (rules.hasNotContains() && value.contains(rules.getNotContains())) {
      walk.report(
          rule + ".not_contains",
          "must not contain '" + rules.getNotContains() + "', is " + quoted(value));
    }
    if (!in.isEmpty() && !in.contains(value)) {
      walk.report(rule + ".in", "must be one of " + in + ", is " + quoted(value));
    }
    if (notIn.contains(value)) {
      walk.report(rule + ".not_in", "must not be one of " + notIn + ", is " + quoted(value));
    }
    if (format != null && !format.test().test(value)) {
      walk.report(
          rule + "." + format.name(), "must be " + format.description() + ", is " + quoted(value));
    }
  }

  /** The offending value, shortened and with control characters made visible. */
  static String quoted(String value) {
    StringBuilder out = new StringBuilder("'");
    value
        .codePoints()
        .limit(80)
        .forEach(
            c -> {
              if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    if (value.codePointCount(0, value.length()) > 80) {
      out.append('…');
    }
    return out.append('\'').toString();
  }
}
