package io.telmesh.validate;

import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate.DurationRules;
import java.time.Duration;
import java.util.List;

/**
 * {@code (validate.rules).duration} on a set Duration ({@code required} is checked with the field's
 * presence). Ranges follow PGV: inside when the upper bound is above the lower one.
 */
final class DurationCheck implements ValueCheck {

  private final String rule;
  private final Duration constant;
  private final Duration lower;
  private final String lowerName;
  private final Duration upper;
  private final String upperName;
  private final List<Duration> in;
  private final List<Duration> notIn;

  DurationCheck(String prefix, DurationRules rules) {
    this.rule = prefix + "duration";
    this.constant = rules.hasConst() ? WellKnownMessages.duration(rules.getConst()) : null;
    this.lowerName = rules.hasGt() ? "gt" : rules.hasGte() ? "gte" : null;
    this.lower =
        rules.hasGt()
            ? WellKnownMessages.duration(rules.getGt())
            : rules.hasGte() ? WellKnownMessages.duration(rules.getGte()) : null;
    this.upperName = rules.hasLt() ? "lt" : rules.hasLte() ? "lte" : null;
    this.upper =
        rules.hasLt()
            ? WellKnownMessages.duration(rules.getLt())
            : rules.hasLte() ? WellKnownMessages.duration(rules.getLte()) : null;
    this.in = rules.getInList().stream().map(WellKnownMessages::duration).toList();
    this.notIn = rules.getNotInList().stream().map(WellKnownMessages::duration).toList();
  }

  static boolean required(DurationRules rules) {
    return rules.getRequired();
  }

  @Override
  public void check(Object raw, Walk walk) {
    Duration value = WellKnownMessages.duration((Message) raw);
    String shown = WellKnownMessages.show(value);
    if (constant != null && !value.equals(constant)) {
      walk.report(rule + ".const", "must be " + WellKnownMessages.show(constant) + ", is " + shown);
    }
    boolean aboveLower =
        lower == null
            || (lowerName.equals("gt") ? value.compareTo(lower) > 0 : value.compareTo(lower) >= 0);
    boolean belowUpper =
        upper == null
            || (upperName.equals("lt") ? value.compareTo(upper) < 0 : value.compareTo(upper) <= 0);
    if (lower != null && upper != null && upper.compareTo(lower) <= 0) {
      if (!aboveLower && !belowUpper) {
        walk.report(
            rule + "." + lowerName + "_" + upperName,
            "must be "
                + upperName
                + " "
                + WellKnownMessages.show(upper)
                + " or "
                + lowerName
                + " "
                + WellKnownMessages.show(lower)
                + ", is "
                + shown);
      }
    } else {
      if (!aboveLower) {
        walk.report(
            rule + "." + lowerName,
            "must be "
                + (lowerName.equals("gt") ? "greater than " : "at least ")
                + WellKnownMessages.show(lower)
                + ", is "
                + shown);
      }
      if (!belowUpper) {
        walk.report(
            rule + "." + upperName,
            "must be "
                + (upperName.equals("lt") ? "less than " : "at most ")
                + WellKnownMessages.show(upper)
                + ", is "
                + shown);
      }
    }
    if (!in.isEmpty() && !in.contains(value)) {
      walk.report(
          rule + ".in",
          "must be one of " + in.stream().map(WellKnownMessages::show).toList() + ", is " + shown);
    }
    if (notIn.contains(value)) {
      walk.report(rule + ".not_in", "must not be " + shown);
    }
  }
}
