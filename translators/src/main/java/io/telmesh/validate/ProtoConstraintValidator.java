package io.telmesh.validate;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.telmesh.envoy.EnvoyTypes;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks any message against the constraints Envoy's own proto definitions declare
 * (protoc-gen-validate's {@code validate.rules}, {@code (validate.required)} oneofs, {@code
 * (validate.disabled)} messages), read from the descriptors at run time, so the rules are exactly
 * those of the Envoy API version telmesh is built with. Nested, repeated, map and {@code
 * Any}-packed messages are walked; an {@code Any} of a type telmesh does not know is itself a
 * violation, since Envoy would reject it too.
 *
 * <p>Thread-safe: the compiled rules are built once per instance and never change. A {@link
 * #remembering} instance also keeps the {@code Any} contents it found clean.
 */
public final class ProtoConstraintValidator {

  private final Map<Descriptor, MessagePlan> plans;
  private final Set<Descriptor> covered;
  private final Function<String, Optional<Message>> types;
  private final Clock clock;

  /**
   * Typed configs found clean, by content. Sidecars differ in their addresses and chain matches,
   * while their filters' typed configs repeat: 200 pods of the reference mesh carry 2300 of them
   * with 31 distinct contents. A clean content stays clean wherever it sits, so its path need not
   * be kept.
   */
  private final Optional<Cache<AnyContent, Boolean>> cleanAnys;

  /**
   * A cache key. Its equality is written out: a record's generated equals and hashCode run through
   * method-handle forms shared by every record, whose type speculation failed as other records
   * warmed up, and threw the compiled walk that inlines this lookup away in the middle of a push
   * (HotSpot's compilation log: three compilations of {@code visitPlanned}, not one).
   */
  private record AnyContent(String typeUrl, ByteString value) {
    @Override
    public boolean equals(Object other) {
      return other instanceof AnyContent that
          && typeUrl.equals(that.typeUrl)
          && value.equals(that.value);
    }

    @Override
    public int hashCode() {
      return 31 * typeUrl.hashCode() + value.hashCode();
    }
  }

  /** What the remembered contents may weigh, in bytes of content. */
  private static final long REMEMBERED_BYTES = 16L << 20;

  private ProtoConstraintValidator(
      Map<Descriptor, MessagePlan> plans,
      Set<Descriptor> covered,
      Function<String, Optional<Message>> types,
      Clock clock,
      Optional<Cache<AnyContent, Boolean>> cleanAnys) {
    this.plans = plans;
    this.covered = covered;
    this.types = types;
    this.clock = clock;
    this.cleanAnys = cleanAnys;
  }

  private ProtoConstraintValidator(
      PlanCompiler.Plans plans, Function<String, Optional<Message>> types, Clock clock) {
    this(plans.byType(), plans.covered(), types, clock, Optional.empty());
  }

  /**
   * This validator's rules, remembering the {@code Any} contents it finds clean (up to 16 MB of
   * them) so that a content met again is not unpacked and walked again: for a server that checks
   * every new sidecar's own listeners. Its timestamp rules are read once per content, as a
   * remembered resource's are.
   */
  public ProtoConstraintValidator remembering() {
    Cache<AnyContent, Boolean> clean =
        CacheBuilder.newBuilder()
            .maximumWeight(REMEMBERED_BYTES)
            .<AnyContent, Boolean>weigher((content, yes) -> content.value().size() + 64)
            .build();
    return new ProtoConstraintValidator(plans, covered, types, clock, Optional.of(clean));
  }

  /** The validator for everything telmesh emits: every type of {@link EnvoyTypes}. */
  public static ProtoConstraintValidator envoy() {
    return EnvoyHolder.INSTANCE;
  }

  /**
   * A validator for the message types reachable from {@code roots} (other types are planned on the
   * fly, at a cost, when met).
   *
   * @param types resolves an {@code Any}'s type URL to a default instance of that type; the
   *     resolvable types should be among the roots
   * @param clock for timestamp rules relative to now
   */
  public static ProtoConstraintValidator of(
      Collection<Descriptor> roots, Function<String, Optional<Message>> types, Clock clock) {
    return new ProtoConstraintValidator(PlanCompiler.compile(roots, clock), types, clock);
  }

  /** Validates one xDS resource or bootstrap, named as {@link ResourceNames} names it. */
  public List<Violation> validate(Message resource) {
    return validate(ResourceNames.typeOf(resource), ResourceNames.nameOf(resource), resource);
  }

  /** Violations sorted; empty when Envoy's proto constraints all hold. */
  public List<Violation> validate(String resourceType, String resourceName, Message message) {
    Walk walk = new Walk(resourceType, resourceName);
    visitPlanned(message, walk);
    return walk.violations().isEmpty() ? List.of() : walk.violations().stream().sorted().toList();
  }

  private void visitPlanned(Message message, Walk walk) {
    Descriptor type = message.getDescriptorForType();
    MessagePlan plan = plans.get(type);
    if (plan != null) {
      visitPlanned(message, plan, walk);
    } else if (!covered.contains(type)) {
      // A type outside the compiled closure (a caller's own message): plan it for this walk only.
      of(List.of(type), types, clock).visitPlanned(message, walk);
    }
  }

  private void visitPlanned(Message message, MessagePlan plan, Walk walk) {
    if (plan.any()) {
      visitAny(message, walk);
      return;
    }
    for (OneofDescriptor oneof : plan.requiredOneofs()) {
      if (!message.hasOneof(oneof)) {
        walk.path().push(oneof.getName());
        walk.report(
            "oneof.required",
            "one of "
                + oneof.getFields().stream().map(FieldDescriptor::getName).toList()
                + " must be set");
        walk.path().pop();
      }
    }
    for (FieldPlan field : plan.fields()) {
      switch (field.shape()) {
        case SCALAR -> visitScalar(message, field, walk);
        case MESSAGE -> visitMessageField(message, field, walk);
        case REPEATED -> visitRepeated(message, field, walk);
        case MAP -> visitMap(message, field, walk);
      }
    }
  }

  private static void visitScalar(Message message, FieldPlan field, Walk walk) {
    if (field.presenceOnly() && !message.hasField(field.field())) {
      return;
    }
    walk.path().push(field.name());
    field.check().check(message.getField(field.field()), walk);
    walk.path().pop();
  }

  private void visitMessageField(Message message, FieldPlan field, Walk walk) {
    if (!message.hasField(field.field())) {
      if (field.requiredRule() != null) {
        walk.path().push(field.name());
        walk.report(field.requiredRule(), "is required");
        walk.path().pop();
      }
      return;
    }
    Message value = (Message) message.getField(field.field());
    walk.path().push(field.name());
    if (field.check() != null) {
      field.check().check(value, walk);
    }
    if (field.visit() != null) {
      visitPlanned(value, walk);
    }
    walk.path().pop();
  }

  private void visitRepeated(Message message, FieldPlan field, Walk walk) {
    int count = message.getRepeatedFieldCount(field.field());
    walk.path().push(field.name());
    boolean rest = field.collection() == null || field.collection().checkCount(count, walk);
    if (rest && (field.check() != null || field.visit() != null || field.collection() != null)) {
      Set<Object> seen =
          field.collection() != null && field.collection().unique() ? new HashSet<>() : null;
      for (int i = 0; i < count; i++) {
        Object item = message.getRepeatedField(field.field(), i);
        walk.path().index(i);
        if (seen != null && !seen.add(item)) {
          walk.report("repeated.unique", "must not repeat an earlier item, is " + show(item));
        }
        if (field.check() != null) {
          field.check().check(item, walk);
        }
        if (field.visit() != null) {
          visitPlanned((Message) item, walk);
        }
      }
    }
    walk.path().pop();
  }

  private void visitMap(Message message, FieldPlan field, Walk walk) {
    int count = message.getRepeatedFieldCount(field.field());
    walk.path().push(field.name());
    boolean rest = field.collection() == null || field.collection().checkCount(count, walk);
    if (rest && (field.check() != null || field.keyCheck() != null || field.visit() != null)) {
      Descriptor entryType = field.field().getMessageType();
      FieldDescriptor keyField = entryType.findFieldByNumber(1);
      FieldDescriptor valueField = entryType.findFieldByNumber(2);
      for (int i = 0; i < count; i++) {
        Message entry = (Message) message.getRepeatedField(field.field(), i);
        Object key = entry.getField(keyField);
        Object value = entry.getField(valueField);
        walk.path().key(key);
        if (field.keyCheck() != null) {
          field.keyCheck().check(key, walk);
        }
        if (field.check() != null) {
          field.check().check(value, walk);
        }
        if (field.visit() != null) {
          visitPlanned((Message) value, walk);
        }
      }
    }
    walk.path().pop();
  }

  /** The content of an Any is checked in place: its fields continue the Any field's path. */
  private void visitAny(Message any, Walk walk) {
    String typeUrl = WellKnownMessages.typeUrl(any);
    ByteString value = WellKnownMessages.anyValue(any);
    AnyContent remembered = new AnyContent(typeUrl, value);
    if (cleanAnys.isPresent() && cleanAnys.get().getIfPresent(remembered) != null) {
      return;
    }
    Optional<Message> prototype = types.apply(typeUrl);
    if (prototype.isEmpty()) {
      walk.report(
          "any.known_type",
          "holds type '"
              + typeUrl
              + "', which telmesh does not know (Envoy would "
              + "reject a typed config it has no extension for)");
      return;
    }
    int found = walk.violations().size();
    Message content;
    try {
      // Dynamic, not generated: reading fields of a DynamicMessage is a map lookup, while
      // generated messages answer reflection through Method.invoke, the walk's main cost.
      content = DynamicMessage.parseFrom(prototype.get().getDescriptorForType(), value);
    } catch (InvalidProtocolBufferException e) {
      walk.report(
          "any.unpack", "holds bytes that are not a valid " + typeUrl + ": " + e.getMessage());
      return;
    }
    visitPlanned(content, walk);
    if (cleanAnys.isPresent() && walk.violations().size() == found) {
      cleanAnys.get().put(remembered, Boolean.TRUE);
    }
  }

  private static String show(Object item) {
    return item instanceof String text ? StringCheck.quoted(text) : String.valueOf(item);
  }

  private static final class EnvoyHolder {
    static final ProtoConstraintValidator INSTANCE =
        of(
            EnvoyTypes.prototypes().stream().map(Message::getDescriptorForType).toList(),
            EnvoyTypes::prototype,
            Clock.systemUTC());
  }
}
