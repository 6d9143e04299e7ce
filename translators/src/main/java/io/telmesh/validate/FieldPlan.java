package io.telmesh.validate;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

/**
 * What to check on one field, compiled from its {@code validate.rules}.
 *
 * @param requiredRule the rule id when the field must be set ({@code message.required}, {@code
 *     duration.required}, …), else null
 * @param presenceOnly a scalar checked only when set (in a oneof, or proto3 {@code optional})
 * @param check the rules of the value (per item for repeated fields, per value for maps), or null
 * @param keyCheck the rules of map keys, or null
 * @param collection the rules on the whole repeated or map field, or null
 * @param visit the message type to descend into (the value type for maps), or null when nothing
 *     below it can be violated
 */
record FieldPlan(
    FieldDescriptor field,
    Shape shape,
    String requiredRule,
    boolean presenceOnly,
    ValueCheck check,
    ValueCheck keyCheck,
    CollectionCheck collection,
    Descriptor visit) {

  enum Shape {
    SCALAR,
    MESSAGE,
    REPEATED,
    MAP
  }

  String name() {
    return field.getName();
  }

  boolean hasRules() {
    return requiredRule != null || check != null || keyCheck != null || collection != null;
  }

  FieldPlan withVisit(Descriptor type) {
    return new FieldPlan(
        field, shape, requiredRule, presenceOnly, check, keyCheck, collection, type);
  }
}
