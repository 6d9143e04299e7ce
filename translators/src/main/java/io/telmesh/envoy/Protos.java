package io.telmesh.envoy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Deterministic serialization. Map fields (metadata, extension options) would otherwise be written
 * in whatever order the builder saw them, and identical config would get different bytes: a new
 * version, a needless push, drained connections.
 */
public final class Protos {

  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  private Protos() {}

  public static ByteString deterministicBytes(Message message) {
    byte[] bytes = new byte[message.getSerializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      message.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("serializing to a byte array cannot fail", e);
    }
    return ByteString.copyFrom(bytes);
  }

  /** Like {@link Any#pack}, with deterministic bytes. */
  public static Any pack(Message message) {
    return Any.newBuilder()
        .setTypeUrl(typeUrl(message))
        .setValue(deterministicBytes(message))
        .build();
  }

  /**
   * Interned: every proxy's listeners hold a dozen packed filter configs, and one string per type
   * is all they need rather than a copy per {@code Any}.
   */
  public static String typeUrl(Message message) {
    return (TYPE_URL_PREFIX + message.getDescriptorForType().getFullName()).intern();
  }

  public static Duration seconds(long seconds) {
    return Duration.newBuilder().setSeconds(seconds).build();
  }

  public static Duration millis(long millis) {
    return Duration.newBuilder()
        .setSeconds(millis / 1000)
        .setNanos((int) (millis % 1000) * 1_000_000)
        .build();
  }

  public static Duration fromJava(java.time.Duration duration) {
    return Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }
}
