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
 * and replicas, so an unchanged set is never re-sent.
 */
public final class ResourceVersions {

  private ResourceVersions() {}

  /** The version of one resource: a hash of its deterministic bytes. */
  public static String of(Message resource) {
    return of(Protos.deterministicBytes(resource));
  }

  public static String of(ByteString bytes) {
    return Hashing.sha256().hashBytes(bytes.asReadOnlyByteBuffer()).toString().substring(0, 16);
  }

  /** The version of a set: a hash over its names and their resource versions, in name order. */
  public static String ofSet(SortedMap<String, String> versionsByName) {
    Hasher hasher = Hashing.sha256().newHasher();
    for (Map.Entry<String, String> entry : versionsByName.entrySet()) {
      hasher.putString(entry.getKey(), StandardCharsets.UTF_8).putByte((byte) 0)
          .putString(entry.getValue(), StandardCharsets.UTF_8).putByte((byte) 0);
    }
    return hasher.hash().toString().substring(0, 16);
  }
}
