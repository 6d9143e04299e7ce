package io.telmesh.validate;

import com.google.protobuf.ByteString;
import com.google.re2j.Pattern;
import io.envoyproxy.pgv.validate.Validate.BytesRules;
import java.util.List;

/** {@code (validate.rules).bytes}: lengths, RE2 pattern, affixes, sets, raw IP addresses. */
final class BytesCheck implements ValueCheck {

  private final String rule;
  private final BytesRules rules;
  private final Pattern pattern;
  private final List<ByteString> in;
  private final List<ByteString> notIn;

  BytesCheck(String prefix, BytesRules rules) {
    this.rule = prefix + "bytes";
    this.rules = rules;
    this.pattern = rules.hasPattern() ? Pattern.compile(rules.getPattern()) : null;
    this.in = List.copyOf(rules.getInList());
    this.notIn = List.copyOf(rules.getNotInList());
  }

  @Override
  public void check(Object raw, Walk walk) {
    ByteString value = (ByteString) raw;
    if (rules.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    int size = value.size();
    if (rules.hasConst() && !value.equals(rules.getConst())) {
      walk.report(
          rule + ".const",
          "must equal the configured constant (" + rules.getConst().size() + " bytes)");
    }
    if (rules.hasLen() && size != rules.getLen()) {
      walk.report(rule + ".len", "must be exactly " + rules.getLen() + " bytes long, is " + size);
    }
    if (rules.hasMinLen() && size < rules.getMinLen()) {
      walk.report(
          rule + ".min_len", "must be at least " + rules.getMinLen() + " bytes long, is " + size);
    }
    if (rules.hasMaxLen() && size > rules.getMaxLen()) {
      walk.report(
          rule + ".max_len", "must be at most " + rules.getMaxLen() + " bytes long, is " + size);
    }
    if (pattern != null && !pattern.matcher(value.toByteArray()).find()) {
      walk.report(rule + ".pattern", "must match /" + rules.getPattern() + "/");
    }
    if (rules.hasPrefix() && !value.startsWith(rules.getPrefix())) {
      walk.report(rule + ".prefix", "must start with the configured prefix");
    }
    if (rules.hasSuffix() && !value.endsWith(rules.getSuffix())) {
      walk.report(rule + ".suffix", "must end with the configured suffix");
    }
    if (rules.hasContains() && indexOf(value, rules.getContains()) < 0) {
      walk.report(rule + ".contains", "must contain the configured bytes");
    }
    if (!in.isEmpty() && !in.contains(value)) {
      walk.report(rule + ".in", "must be one of the " + in.size() + " configured values");
    }
    if (notIn.contains(value)) {
      walk.report(rule + ".not_in", "must not be one of the configured values");
    }
    switch (rules.getWellKnownCase()) {
      case IP -> {
        if (rules.getIp() && size != 4 && size != 16) {
          walk.report(rule + ".ip", "must be an IP address (4 or 16 bytes), is " + size + " bytes");
        }
      }
      case IPV4 -> {
        if (rules.getIpv4() && size != 4) {
          walk.report(rule + ".ipv4", "must be an IPv4 address (4 bytes), is " + size + " bytes");
        }
      }
      case IPV6 -> {
        if (rules.getIpv6() && size != 16) {
          walk.report(rule + ".ipv6", "must be an IPv6 address (16 bytes), is " + size + " bytes");
        }
      }
      case WELLKNOWN_NOT_SET -> {}
    }
  }

  private static int indexOf(ByteString haystack, ByteString needle) {
    outer:
    for (int i = 0; i + needle.size() <= haystack.size(); i++) {
      for (int j = 0; j < needle.size(); j++) {
        if (haystack.byteAt(i + j) != needle.byteAt(j)) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
