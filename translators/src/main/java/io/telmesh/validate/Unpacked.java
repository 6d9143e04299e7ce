package io.telmesh.validate;

import com.google.protobuf.Any;
import com.google.protobuf.Internal;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.Optional;

/**
 * Reads an {@code Any} as the given type, or nothing when it holds another type or bad bytes.
 *
 * <p>Parsed, not {@link Any#unpack}ed: {@code unpack} keeps the parsed message inside the {@code
 * Any}, so every filter config the validator read stayed in memory twice, as bytes and as objects,
 * for as long as the resource lives (a few KB per connected proxy).
 */
final class Unpacked {

  private Unpacked() {}

  static <T extends Message> Optional<T> as(Any any, Class<T> type) {
    if (!any.is(type)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          type.cast(
              Internal.getDefaultInstance(type).getParserForType().parseFrom(any.getValue())));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
