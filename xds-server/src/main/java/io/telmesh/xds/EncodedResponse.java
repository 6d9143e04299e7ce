package io.telmesh.xds;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.telmesh.snapshot.SotwEntries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * A state-of-the-world {@link DiscoveryResponse} in its wire form, as the SotW services send it: a
 * response's version goes before its resources' entries, encoded once for every proxy ({@link
 * SotwEntries}), and its type URL and nonce after them, which is the order protobuf writes the
 * fields in, so the bytes are the ones {@code DiscoveryResponse.toByteString()} would give.
 *
 * @param head the fields before the resources (the version)
 * @param resources the resources' entries, shared with every response that carries them
 * @param tail the fields after the resources (type URL, nonce)
 */
record EncodedResponse(ByteString head, SotwEntries resources, ByteString tail) {

  /** How the SotW services' responses are written: their bytes, as they are. */
  static final MethodDescriptor.Marshaller<EncodedResponse> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(EncodedResponse response) {
          return new Stream(response.bytes());
        }

        @Override
        public EncodedResponse parse(InputStream stream) {
          try {
            return new EncodedResponse(
                ByteString.readFrom(stream), SotwEntries.NONE, ByteString.EMPTY);
          } catch (IOException e) {
            throw new UncheckedIOException("reading a response", e);
          }
        }
      };

  static EncodedResponse of(String typeUrl, String version, String nonce, SotwEntries resources) {
    return new EncodedResponse(
        DiscoveryResponse.newBuilder().setVersionInfo(version).build().toByteString(),
        resources,
        DiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce).build().toByteString());
  }

  /** A response built as a message (debug answers, empty answers to unknown types). */
  static EncodedResponse of(DiscoveryResponse response) {
    return new EncodedResponse(response.toByteString(), SotwEntries.NONE, ByteString.EMPTY);
  }

  /** The whole response, its parts joined (a rope: nothing is copied). */
  ByteString bytes() {
    return head.concat(resources.bytes()).concat(tail);
  }

  int size() {
    return head.size() + resources.bytes().size() + tail.size();
  }

  /**
   * The bytes for gRPC: it drains them into its buffers (each piece of the rope written as it is,
   * with no copy in between) and knows their length up front, so it frames the message in one go.
   */
  private static final class Stream extends InputStream implements Drainable, KnownLength {
    private final ByteString bytes;
    private int position;

    Stream(ByteString bytes) {
      this.bytes = bytes;
    }

    /**
     * Hands gRPC each piece of the rope as it is. {@code ByteString.writeTo(OutputStream)} would
     * copy every piece first, to guard it from a stream that keeps or changes the array; gRPC's
     * copies it into its own buffers at once and keeps nothing.
     */
    @Override
    public int drainTo(OutputStream target) throws IOException {
      int drained = bytes.size() - position;
      UnsafeByteOperations.unsafeWriteTo(bytes.substring(position), new Into(target));
      position = bytes.size();
      return drained;
    }

    @Override
    public int read() {
      return position < bytes.size() ? bytes.byteAt(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      int n = Math.min(length, bytes.size() - position);
      if (n <= 0) {
        return -1;
      }
      bytes.substring(position, position + n).copyTo(target, offset);
      position += n;
      return n;
    }

    @Override
    public int available() {
      return bytes.size() - position;
    }
  }

  /** Protobuf's sink for pieces of a {@link ByteString}, writing each to a stream. */
  private static final class Into extends ByteOutput {
    private final OutputStream target;

    Into(OutputStream target) {
      this.target = target;
    }

    @Override
    public void write(byte value) throws IOException {
      target.write(value);
    }

    @Override
    public void write(byte[] value, int offset, int length) throws IOException {
      target.write(value, offset, length);
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) throws IOException {
      target.write(value, offset, length);
    }

    @Override
    public void write(ByteBuffer value) throws IOException {
      writeLazy(value);
    }

    @Override
    public void writeLazy(ByteBuffer value) throws IOException {
      if (value.hasArray()) {
        target.write(value.array(), value.arrayOffset() + value.position(), value.remaining());
        value.position(value.limit());
      } else {
        byte[] copy = new byte[value.remaining()];
        value.get(copy);
        target.write(copy);
      }
    }
  }
}
