package io.telmesh.validate;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import io.envoyproxy.pgv.validate.Validate.EnumRules;
import java.util.List;

/** {@code (validate.rules).enum}: {@code defined_only} (no unknown numbers), const, sets. */
final class EnumCheck implements ValueCheck {

  private final String rule;
  private final EnumRules rules;
  private final List<Integer> in;
  private final List<Integer> notIn;

  EnumCheck(String prefix, EnumRules rules) {
    this.rule = prefix + "enum";
    this.rules = rules;
    this.in = List.copyOf(rules.getInList());
    this.notIn = List.copyOf(rules.getNotInList());
  }

  @Override
  public void check(Object raw, Walk walk) {
    EnumValueDescriptor value = (EnumValueDescriptor) raw;
    int number = value.getNumber();
    if (rules.hasConst() && number != rules.getConst()) {
      walk.report(rule + ".const", "must be " + rules.getConst() + ", is " + show(value));
    }
    // An unknown number (proto3 keeps it) reaches us as a descriptor the enum type does not list.
    if (rules.getDefinedOnly() && value.getType().findValueByNumber(number) == null) {
      walk.report(
          rule + ".defined_only",
          "must be a value defined by " + value.getType().getFullName() + ", is " + number);
    }
    if (!in.isEmpty() && !in.contains(number)) {
      walk.report(rule + ".in", "must be one of " + in + ", is " + show(value));
    }
    if (notIn.contains(number)) {
      walk.report(rule + ".not_in", "must not be one of " + notIn + ", is " + show(value));
    }
  }

  private static String show(EnumValueDescriptor value) {
    EnumValueDescriptor known = value.getType().findValueByNumber(value.getNumber());
    return known == null
        ? Integer.toString(value.getNumber())
        : known.getName() + " (" + value.getNumber() + ")";
  }
}
