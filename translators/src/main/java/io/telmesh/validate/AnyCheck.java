package io.telmesh.validate;

import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate.AnyRules;
import java.util.List;

/** {@code (validate.rules).any.in} / {@code not_in}: allowed type URLs of a set Any. */
final class AnyCheck implements ValueCheck {

  private final String rule;
  private final List<String> in;
  private final List<String> notIn;

  AnyCheck(String prefix, AnyRules rules) {
    this.rule = prefix + "any";
    this.in = List.copyOf(rules.getInList());
    this.notIn = List.copyOf(rules.getNotInList());
  }

  @Override
  public void check(Object raw, Walk walk) {
    String typeUrl = WellKnownMessages.typeUrl((Message) raw);
    if (!in.isEmpty() && !in.contains(typeUrl)) {
      walk.report(rule + ".in", "type must be one of " + in + ", is '" + typeUrl + "'");
    }
    if (notIn.contains(typeUrl)) {
      walk.report(rule + ".not_in", "type must not be '" + typeUrl + "'");
    }
  }
}
