package io.telmesh.source;

import io.telmesh.kube.ManifestParser;
import java.time.Duration;

/**
 * What a manifest directory may cost: beyond these a file is not read (its last good contents stay
 * served) and the problem names the limit and the flag that sets it. Together with the JVM's heap
 * limit they bound the memory and CPU a directory can take.
 *
 * @param maxFileBytes bytes per file
 * @param maxTotalBytes bytes of all files together; files past it, in path order, are not read
 * @param maxDocuments YAML documents per file
 * @param maxParseTime time to parse one file
 */
public record ManifestLimits(
    long maxFileBytes, long maxTotalBytes, int maxDocuments, Duration maxParseTime) {

  public static final ManifestLimits DEFAULT =
      new ManifestLimits(16L << 20, 128L << 20, 5000, Duration.ofSeconds(5));

  public ManifestLimits {
    if (maxFileBytes < 1
        || maxTotalBytes < 1
        || maxDocuments < 1
        || maxParseTime.isNegative()
        || maxParseTime.isZero()) {
      throw new IllegalArgumentException("manifest limits must be positive");
    }
  }

  ManifestParser.Limits parser() {
    return new ManifestParser.Limits(
        maxDocuments, (int) Math.min(Integer.MAX_VALUE, Math.max(maxFileBytes, 1 << 20)));
  }
}
