package io.telmesh.validate;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of every numeric family ({@code int32} … {@code sfixed64}, {@code float}, {@code
 * double}). Their rule messages share field names, so one reading serves all twelve; only the
 * comparison differs (signed, unsigned, floating point).
 *
 * <p>With a lower and an upper bound, PGV means "inside the range" when the upper bound is above
 * the lower one, and "outside the range" otherwise.
 */
final class NumberCheck implements ValueCheck {

  enum Kind {
    SIGNED,
    UNSIGNED,
    FLOATING
  }

  private record Bound(String name, Object value, boolean inclusive) {}

  private final String rule;
  private final Kind kind;
  private final Object constant;
  private final Bound lower;
  private final Bound upper;
  private final List<Object> in;
  private final List<Object> notIn;
  private final boolean ignoreEmpty;

  private NumberCheck(String rule, Kind kind, Message rules) {
    this.rule = rule;
    this.kind = kind;
    this.constant = optional(rules, "const");
    Object gt = optional(rules, "gt");
    Object gte = optional(rules, "gte");
    Object lt = optional(rules, "lt");
    Object lte = optional(rules, "lte");
    this.lower =
        gt != null ? new Bound("gt", gt, false) : gte != null ? new Bound("gte", gte, true) : null;
    this.upper =
        lt != null ? new Bound("lt", lt, false) : lte != null ? new Bound("lte", lte, true) : null;
    this.in = repeated(rules, "in");
    this.notIn = repeated(rules, "not_in");
    Object ignore = optional(rules, "ignore_empty");
    this.ignoreEmpty = Boolean.TRUE.equals(ignore);
  }

  /**
   * @param family the rule message's name in {@code FieldRules}, e.g. {@code uint32}
   */
  static NumberCheck of(String prefix, String family, Message rules) {
    Kind kind =
        switch (family) {
          case "float", "double" -> Kind.FLOATING;
          case "uint32", "uint64", "fixed32", "fixed64" -> Kind.UNSIGNED;
          default -> Kind.SIGNED;
        };
    return new NumberCheck(prefix + family, kind, rules);
  }

  @Override
  public void check(Object value, Walk walk) {
    if (ignoreEmpty && compare(value, zero()) == 0) {
      return;
    }
    if (constant != null && compare(value, constant) != 0) {
      walk.report(rule + ".const", "must equal " + show(constant) + ", is " + show(value));
    }
    checkRange(value, walk);
    if (!in.isEmpty() && in.stream().noneMatch(v -> compare(value, v) == 0)) {
      walk.report(rule + ".in", "must be one of " + showAll(in) + ", is " + show(value));
    }
    if (notIn.stream().anyMatch(v -> compare(value, v) == 0)) {
      walk.report(rule + ".not_in", "must not be one of " + showAll(notIn) + ", is " + show(value));
    }
  }

  private void checkRange(Object value, Walk walk) {
    boolean aboveLower = lower == null || satisfiesLower(value);
    boolean belowUpper = upper == null || satisfiesUpper(value);
    if (lower != null && upper != null && compare(upper.value, lower.value) <= 0) {
      if (!aboveLower && !belowUpper) {
        walk.report(
            rule + "." + lower.name + "_" + upper.name,
            "must be outside the range "
                + (upper.inclusive ? "(" : "[")
                + show(upper.value)
                + ", "
                + show(lower.value)
                + (lower.inclusive ? ")" : "]")
                + ", is "
                + show(value));
      }
      return;
    }
    if (!aboveLower) {
      walk.report(
          rule + "." + lower.name,
          "must be "
              + (lower.inclusive ? "at least " : "greater than ")
              + show(lower.value)
              + rangeSuffix()
              + ", is "
              + show(value));
    }
    if (!belowUpper) {
      walk.report(
          rule + "." + upper.name,
          "must be "
              + (upper.inclusive ? "at most " : "less than ")
              + show(upper.value)
              + rangeSuffix()
              + ", is "
              + show(value));
    }
  }

  private String rangeSuffix() {
    if (lower == null || upper == null) {
      return "";
    }
    return " (range "
        + (lower.inclusive ? "[" : "(")
        + show(lower.value)
        + ", "
        + show(upper.value)
        + (upper.inclusive ? "]" : ")")
        + ")";
  }

  private boolean satisfiesLower(Object value) {
    int c = compare(value, lower.value);
    return lower.inclusive ? c >= 0 : c > 0;
  }

  private boolean satisfiesUpper(Object value) {
    int c = compare(value, upper.value);
    return upper.inclusive ? c <= 0 : c < 0;
  }

  private Object zero() {
    return kind == Kind.FLOATING ? (Object) 0.0 : (Object) 0L;
  }

  private int compare(Object a, Object b) {
    return switch (kind) {
      case FLOATING -> Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
      case SIGNED -> Long.compare(((Number) a).longValue(), ((Number) b).longValue());
      case UNSIGNED -> Long.compareUnsigned(unsigned(a), unsigned(b));
    };
  }

  /** uint32 and fixed32 arrive as (possibly negative) Integers. */
  private static long unsigned(Object value) {
    return value instanceof Integer i ? Integer.toUnsignedLong(i) : ((Number) value).longValue();
  }

  private String show(Object value) {
    return kind == Kind.UNSIGNED ? Long.toUnsignedString(unsigned(value)) : value.toString();
  }

  private String showAll(List<Object> values) {
    return values.stream().map(this::show).toList().toString();
  }

  private static Object optional(Message rules, String name) {
    FieldDescriptor field = rules.getDescriptorForType().findFieldByName(name);
    return field != null && rules.hasField(field) ? rules.getField(field) : null;
  }

  private static List<Object> repeated(Message rules, String name) {
    FieldDescriptor field = rules.getDescriptorForType().findFieldByName(name);
    List<Object> values = new ArrayList<>();
    for (int i = 0; field != null && i < rules.getRepeatedFieldCount(field); i++) {
      values.add(rules.getRepeatedField(field, i));
    }
    return List.copyOf(values);
  }
}
