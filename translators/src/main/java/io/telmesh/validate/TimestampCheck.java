package io.telmesh.validate;

import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate.TimestampRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code (validate.rules).timestamp} on a set Timestamp. Envoy's protos declare none today; the
 * family is here so that a future declaration is enforced rather than ignored. {@code lt_now},
 * {@code gt_now} and {@code within} read the validator's clock.
 */
final class TimestampCheck implements ValueCheck {

  private final String rule;
  private final TimestampRules rules;
  private final Clock clock;

  TimestampCheck(String prefix, TimestampRules rules, Clock clock) {
    this.rule = prefix + "timestamp";
    this.rules = rules;
    this.clock = clock;
  }

  @Override
  public void check(Object raw, Walk walk) {
    Instant value = WellKnownMessages.timestamp((Message) raw);
    if (rules.hasConst() && !value.equals(WellKnownMessages.timestamp(rules.getConst()))) {
      walk.report(
          rule + ".const",
          "must be " + WellKnownMessages.timestamp(rules.getConst()) + ", is " + value);
    }
    if (rules.hasLt() && !value.isBefore(WellKnownMessages.timestamp(rules.getLt()))) {
      walk.report(
          rule + ".lt",
          "must be before " + WellKnownMessages.timestamp(rules.getLt()) + ", is " + value);
    }
    if (rules.hasLte() && value.isAfter(WellKnownMessages.timestamp(rules.getLte()))) {
      walk.report(
          rule + ".lte",
          "must not be after " + WellKnownMessages.timestamp(rules.getLte()) + ", is " + value);
    }
    if (rules.hasGt() && !value.isAfter(WellKnownMessages.timestamp(rules.getGt()))) {
      walk.report(
          rule + ".gt",
          "must be after " + WellKnownMessages.timestamp(rules.getGt()) + ", is " + value);
    }
    if (rules.hasGte() && value.isBefore(WellKnownMessages.timestamp(rules.getGte()))) {
      walk.report(
          rule + ".gte",
          "must not be before " + WellKnownMessages.timestamp(rules.getGte()) + ", is " + value);
    }
    Instant now = clock.instant();
    if (rules.getLtNow() && !value.isBefore(now)) {
      walk.report(rule + ".lt_now", "must be in the past, is " + value);
    }
    if (rules.getGtNow() && !value.isAfter(now)) {
      walk.report(rule + ".gt_now", "must be in the future, is " + value);
    }
    if (rules.hasWithin()) {
      Duration within = WellKnownMessages.duration(rules.getWithin());
      if (Duration.between(value, now).abs().compareTo(within) > 0) {
        walk.report(
            rule + ".within",
            "must be within " + WellKnownMessages.show(within) + " of now, is " + value);
      }
    }
  }
}
