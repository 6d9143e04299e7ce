package io.telmesh.validate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Reads the well-known messages PGV has rules for, whether generated or dynamic (a message unpacked
 * from an {@code Any} of a type without generated code is dynamic).
 */
final class WellKnownMessages {

  static final String ANY = "google.protobuf.Any";
  static final String DURATION = "google.protobuf.Duration";
  static final String TIMESTAMP = "google.protobuf.Timestamp";
  private static final Set<String> WRAPPERS =
      Set.of(
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  private WellKnownMessages() {}

  static boolean isWrapper(Descriptor type) {
    return WRAPPERS.contains(type.getFullName());
  }

  /** The {@code value} of a wrapper message. */
  static Object wrapped(Message wrapper) {
    return wrapper.getField(wrapper.getDescriptorForType().findFieldByNumber(1));
  }

  static Duration duration(Message message) {
    if (message instanceof com.google.protobuf.Duration d) {
      return Duration.ofSeconds(d.getSeconds(), d.getNanos());
    }
    return Duration.ofSeconds(longField(message, 1), (Integer) field(message, 2));
  }

  static Instant timestamp(Message message) {
    if (message instanceof Timestamp t) {
      return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
    return Instant.ofEpochSecond(longField(message, 1), (Integer) field(message, 2));
  }

  static String typeUrl(Message any) {
    return any instanceof Any a ? a.getTypeUrl() : (String) field(any, 1);
  }

  static ByteString anyValue(Message any) {
    return any instanceof Any a ? a.getValue() : (ByteString) field(any, 2);
  }

  static String show(Duration duration) {
    return BigDecimal.valueOf(duration.getSeconds())
            .add(BigDecimal.valueOf(duration.getNano(), 9))
            .stripTrailingZeros()
            .toPlainString()
        + "s";
  }

  private static long longField(Message message, int number) {
    return (Long) field(message, number);
  }

  private static Object field(Message message, int number) {
    return message.getField(message.getDescriptorForType().findFieldByNumber(number));
  }
}
