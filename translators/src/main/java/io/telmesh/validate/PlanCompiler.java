package io.telmesh.validate;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the {@code validate.rules} options of every message type reachable from some roots into
 * {@link MessagePlan}s, read from the descriptors at run time. A type is planned only when
 * something in or below it can be violated, so walks skip whole subtrees (metadata structs, most of
 * a cluster) without looking at them.
 */
final class PlanCompiler {

  private final Clock clock;

  private PlanCompiler(Clock clock) {
    this.clock = clock;
  }

  /**
   * @param byType the plans of the types worth visiting
   * @param covered every type compiled, planned or not (a type covered but unplanned has nothing to
   *     check)
   */
  record Plans(Map<Descriptor, MessagePlan> byType, Set<Descriptor> covered) {}

  static Plans compile(Collection<Descriptor> roots, Clock clock) {
    return new PlanCompiler(clock).compileAll(roots);
  }

  private Plans compileAll(Collection<Descriptor> roots) {
    List<Descriptor> types = closure(roots);
    Map<Descriptor, List<FieldPlan>> fields = new LinkedHashMap<>();
    Map<Descriptor, List<OneofDescriptor>> oneofs = new HashMap<>();
    Set<Descriptor> relevant = new HashSet<>();
    for (Descriptor type : types) {
      if (RuleOptions.messageDisabled(type)) {
        continue;
      }
      List<FieldPlan> plans = new ArrayList<>();
      for (FieldDescriptor field : type.getFields()) {
        plans.add(fieldPlan(field));
      }
      List<OneofDescriptor> required =
          type.getRealOneofs().stream().filter(RuleOptions::oneofRequired).toList();
      fields.put(type, plans);
      oneofs.put(type, required);
      if (isAny(type) || !required.isEmpty() || plans.stream().anyMatch(FieldPlan::hasRules)) {
        relevant.add(type);
      }
    }
    // A type is also worth visiting when a field leads to one that is: iterate to a fixpoint
    // (Envoy's types are recursive, e.g. matcher predicates).
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Map.Entry<Descriptor, List<FieldPlan>> entry : fields.entrySet()) {
        if (!relevant.contains(entry.getKey())
            && entry.getValue().stream()
                .anyMatch(f -> f.visit() != null && relevant.contains(f.visit()))) {
          relevant.add(entry.getKey());
          changed = true;
        }
      }
    }
    Map<Descriptor, MessagePlan> plans = new HashMap<>();
    for (Descriptor type : relevant) {
      List<FieldPlan> kept = new ArrayList<>();
      for (FieldPlan field : fields.get(type)) {
        FieldPlan plan =
            field.visit() != null && relevant.contains(field.visit())
                ? field
                : field.withVisit(null);
        if (plan.hasRules() || plan.visit() != null) {
          kept.add(plan);
        }
      }
      plans.put(
          type,
          new MessagePlan(type, isAny(type) ? List.of() : kept, oneofs.get(type), isAny(type)));
    }
    return new Plans(Map.copyOf(plans), Set.copyOf(types));
  }

  private static List<Descriptor> closure(Collection<Descriptor> roots) {
    Set<Descriptor> seen = new HashSet<>();
    List<Descriptor> ordered = new ArrayList<>();
    Deque<Descriptor> queue = new ArrayDeque<>(roots);
    while (!queue.isEmpty()) {
      Descriptor type = queue.pop();
      if (!seen.add(type)) {
        continue;
      }
      ordered.add(type);
      for (FieldDescriptor field : type.getFields()) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          queue.add(field.getMessageType());
        }
      }
    }
    return ordered;
  }

  static boolean isAny(Descriptor type) {
    return type.getFullName().equals(WellKnownMessages.ANY);
  }

  private FieldPlan fieldPlan(FieldDescriptor field) {
    FieldRules rules = RuleOptions.fieldRules(field).orElse(FieldRules.getDefaultInstance());
    if (field.isMapField()) {
      FieldDescriptor key = field.getMessageType().findFieldByNumber(1);
      FieldDescriptor value = field.getMessageType().findFieldByNumber(2);
      CollectionCheck collection = rules.hasMap() ? CollectionCheck.of(rules.getMap()) : null;
      FieldRules valueRules = rules.getMap().getValues();
      return new FieldPlan(
          field,
          FieldPlan.Shape.MAP,
          null,
          false,
          valueCheck(value, valueRules, "map.values."),
          valueCheck(key, rules.getMap().getKeys(), "map.keys."),
          collection == null || collection.isEmpty() ? null : collection,
          descent(value, valueRules));
    }
    if (field.isRepeated()) {
      CollectionCheck collection =
          rules.hasRepeated() ? CollectionCheck.of(rules.getRepeated()) : null;
      FieldRules items = rules.getRepeated().getItems();
      return new FieldPlan(
          field,
          FieldPlan.Shape.REPEATED,
          null,
          false,
          valueCheck(field, items, "repeated.items."),
          null,
          collection == null || collection.isEmpty() ? null : collection,
          descent(field, items));
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      // As in PGV, a oneof member's rules apply only when it is the member set, so "required"
      // there is moot (the oneof's own (validate.required) says whether some member must be).
      String required = field.getRealContainingOneof() == null ? requiredRule(rules) : null;
      return new FieldPlan(
          field,
          FieldPlan.Shape.MESSAGE,
          required,
          false,
          valueCheck(field, rules, ""),
          null,
          null,
          descent(field, rules));
    }
    return new FieldPlan(
        field,
        FieldPlan.Shape.SCALAR,
        null,
        field.hasPresence(),
        valueCheck(field, rules, ""),
        null,
        null,
        null);
  }

  private static Descriptor descent(FieldDescriptor field, FieldRules rules) {
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || rules.getMessage().getSkip()) {
      return null;
    }
    return field.getMessageType();
  }

  private static String requiredRule(FieldRules rules) {
    if (rules.getMessage().getRequired()) {
      return "message.required";
    }
    return switch (rules.getTypeCase()) {
      case DURATION -> rules.getDuration().getRequired() ? "duration.required" : null;
      case TIMESTAMP -> rules.getTimestamp().getRequired() ? "timestamp.required" : null;
      case ANY -> rules.getAny().getRequired() ? "any.required" : null;
      default -> null;
    };
  }

  /** The check of one value of the field (an item for repeated fields), or null. */
  private ValueCheck valueCheck(FieldDescriptor field, FieldRules rules, String prefix) {
    String family =
        rules.getTypeCase() == FieldRules.TypeCase.TYPE_NOT_SET
            ? ""
            : FieldRules.getDescriptor()
                .findFieldByNumber(rules.getTypeCase().getNumber())
                .getName();
    ValueCheck check =
        switch (rules.getTypeCase()) {
          case FLOAT,
              DOUBLE,
              INT32,
              INT64,
              UINT32,
              UINT64,
              SINT32,
              SINT64,
              FIXED32,
              FIXED64,
              SFIXED32,
              SFIXED64 ->
              NumberCheck.of(
                  prefix,
                  family,
                  (Message) rules.getField(FieldRules.getDescriptor().findFieldByName(family)));
          case BOOL -> new BoolCheck(prefix + "bool", rules.getBool());
          case STRING -> new StringCheck(prefix, rules.getString());
          case BYTES -> new BytesCheck(prefix, rules.getBytes());
          case ENUM -> new EnumCheck(prefix, rules.getEnum());
          case DURATION -> new DurationCheck(prefix, rules.getDuration());
          case TIMESTAMP -> new TimestampCheck(prefix, rules.getTimestamp(), clock);
          case ANY ->
              rules.getAny().getInCount() + rules.getAny().getNotInCount() == 0
                  ? null
                  : new AnyCheck(prefix, rules.getAny());
          // Collection rules on a single value do not apply (protoc-gen-validate refuses them).
          case REPEATED, MAP, TYPE_NOT_SET -> null;
        };
    if (check != null
        && field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && WellKnownMessages.isWrapper(field.getMessageType())) {
      return new WrapperCheck(check);
    }
    return check;
  }
}
