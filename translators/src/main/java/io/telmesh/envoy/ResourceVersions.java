package io.telmesh.envoy;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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
    Hasher hasher = Hashing.murmur3_128().newHasher();
    for (Map.Entry<String, String> entry : versionsByName.entrySet()) {
      add(hasher, entry.getKey(), entry.getValue());
    }
    return finish(hasher);
  }

  /**
   * The version a whole type is sent at: a hash over its segments' digests ({@link #ofSet} of each
   * segment), in segment order. The server and the offline dump both compute it here, so the same
   * input gives the same version in both.
   */
  public static String ofSegments(java.util.List<String> segmentDigests) {
    Hasher hasher = newSet();
    for (String digest : segmentDigests) {
      add(hasher, "segment", digest);
    }
    return finish(hasher);
  }

  /** Starts an incremental set version; add entries in a deterministic order. */
  public static Hasher newSet() {
    return Hashing.murmur3_128().newHasher();
  }

  public static void add(Hasher hasher, String name, String version) {
    hasher
        .putString(name, StandardCharsets.UTF_8)
        .putByte((byte) 0)
        .putString(version, StandardCharsets.UTF_8)
        .putByte((byte) 0);
  }

  public static String finish(Hasher hasher) {
    return hasher.hash().toString().substring(0, 16);
  }
}
