package io.telmesh.validate;

import io.envoyproxy.pgv.validate.Validate.BoolRules;

/** {@code (validate.rules).bool.const}; {@code rule} is the family's id, e.g. {@code bool}. */
record BoolCheck(String rule, BoolRules rules) implements ValueCheck {

  @Override
  public void check(Object value, Walk walk) {
    if (rules.hasConst() && (Boolean) value != rules.getConst()) {
      walk.report(rule + ".const", "must be " + rules.getConst() + ", is " + value);
    }
  }
}
