package io.telmesh.validate;

/**
 * The compiled {@code validate.rules} of one value: a scalar as protobuf reflection returns it
 * ({@code String}, {@code ByteString}, {@code Integer}, {@code EnumValueDescriptor}, …) or a
 * message for the rules on well-known types (Duration, Timestamp, Any, wrappers).
 */
interface ValueCheck {

  void check(Object value, Walk walk);
}
