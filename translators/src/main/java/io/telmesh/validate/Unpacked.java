package io.telmesh.validate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.util.Optional;

/** Reads an {@code Any} as the given type, or nothing when it holds another type or bad bytes. */
final class Unpacked {

  private Unpacked() {}

  static <T extends Message> Optional<T> as(Any any, Class<T> type) {
    if (!any.is(type)) {
      return Optional.empty();
    }
    try {
      return Optional.of(any.unpack(type));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }
}
