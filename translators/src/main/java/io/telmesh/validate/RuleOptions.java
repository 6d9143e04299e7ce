package io.telmesh.validate;

import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.util.Optional;

/**
 * Reads protoc-gen-validate's options from descriptors. Generated code normally resolves them, but
 * a descriptor built without the {@code validate} extensions registered (a dynamic descriptor,
 * another protobuf runtime) keeps them as unknown fields; those are re-parsed with the extensions
 * registered rather than silently skipped.
 */
final class RuleOptions {

  private static final ExtensionRegistry REGISTRY = registry();

  private RuleOptions() {}

  private static ExtensionRegistry registry() {
    ExtensionRegistry registry = ExtensionRegistry.newInstance();
    Validate.registerAllExtensions(registry);
    return registry.getUnmodifiable();
  }

  static Optional<FieldRules> fieldRules(FieldDescriptor field) {
    FieldOptions options = field.getOptions();
    if (!options.hasExtension(Validate.rules)
        && holdsUnresolved(options, Validate.rules.getNumber())) {
      options = reparse(options, FieldOptions.parser());
    }
    return options.hasExtension(Validate.rules)
        ? Optional.of(options.getExtension(Validate.rules))
        : Optional.empty();
  }

  static boolean oneofRequired(OneofDescriptor oneof) {
    OneofOptions options = oneof.getOptions();
    if (!options.hasExtension(Validate.required)
        && holdsUnresolved(options, Validate.required.getNumber())) {
      options = reparse(options, OneofOptions.parser());
    }
    return options.getExtension(Validate.required);
  }

  /**
   * {@code (validate.disabled)} or {@code (validate.ignored)}: the message is not checked at all.
   */
  static boolean messageDisabled(Descriptor type) {
    MessageOptions options = type.getOptions();
    if (!options.hasExtension(Validate.disabled)
        && !options.hasExtension(Validate.ignored)
        && (holdsUnresolved(options, Validate.disabled.getNumber())
            || holdsUnresolved(options, Validate.ignored.getNumber()))) {
      options = reparse(options, MessageOptions.parser());
    }
    return options.getExtension(Validate.disabled) || options.getExtension(Validate.ignored);
  }

  private static boolean holdsUnresolved(Message options, int number) {
    return options.getUnknownFields().hasField(number);
  }

  private static <T extends Message> T reparse(T options, com.google.protobuf.Parser<T> parser) {
    try {
      return parser.parseFrom(options.toByteString(), REGISTRY);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "descriptor options that protobuf itself parsed do not parse again", e);
    }
  }
}
