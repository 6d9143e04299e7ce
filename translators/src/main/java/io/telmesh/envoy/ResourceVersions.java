package io.telmesh.envoy;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SortedMap;

/**
 * Versions derived from content: the same resources always get the same version, across restarts
 * and replicas, so an unchanged set is never re-sent. Murmur3 rather than a cryptographic hash:
 * versions only need to tell content apart, and they are computed on every push.
 */
public final class ResourceVersions {

  private ResourceVersions() {}

  /** The version of one resource: a hash of its deterministic bytes. */
  public static String of(Message resource) {
    return of(Protos.deterministicBytes(resource));
  }

  public static String of(ByteString bytes) {
    return Hashing.murmur3_128()
        .hashBytes(bytes.asReadOnlyByteBuffer())
        .toString()
        .substring(0, 16);
  }

  /** The version of a set: a hash over its names and their resource versions, in name order. */
  public static String ofSet(SortedMap<String, String> versionsByName) {
    SetDigest digest = newSet();
    versionsByName.forEach(digest::add);
    return digest.finish();
  }

  /**
   * The version a whole type is sent at: a hash over its segments' digests ({@link #ofSet} of each
   * segment), in segment order. The server and the offline dump both compute it here, so the same
   * input gives the same version in both.
   */
  public static String ofSegments(java.util.List<String> segmentDigests) {
    SetDigest digest = newSet();
    for (String segment : segmentDigests) {
      digest.add("segment", segment);
    }
    return digest.finish();
  }

  /** Starts an incremental set version; add entries in a deterministic order. */
  public static SetDigest newSet() {
    return new SetDigest();
  }

  /**
   * A set version being hashed: each name and version as UTF-8 followed by a zero byte. Names and
   * versions are ASCII but for hostile input, and an endpoint change hashes a whole segment's
   * thousands of them: ASCII goes through one reused buffer rather than a new array and buffer per
   * string. The bytes hashed, and so the version, are the same either way.
   */
  public static final class SetDigest {

    private final Hasher hasher = Hashing.murmur3_128().newHasher();
    private ByteBuffer scratch = ByteBuffer.allocate(256);

    private SetDigest() {}

    public SetDigest add(String name, String version) {
      put(name);
      put(version);
      return this;
    }

    private void put(String text) {
      int length = text.length();
      if (scratch.capacity() <= length) {
        scratch = ByteBuffer.allocate(Math.max(length + 1, 2 * scratch.capacity()));
      }
      scratch.clear();
      for (int i = 0; i < length; i++) {
        char c = text.charAt(i);
        if (c >= 0x80) {
          hasher.putString(text, StandardCharsets.UTF_8).putByte((byte) 0);
          return;
        }
        scratch.put((byte) c);
      }
      scratch.put((byte) 0).flip();
      hasher.putBytes(scratch);
    }

    public String finish() {
      return hasher.hash().toString().substring(0, 16);
    }
  }
}
