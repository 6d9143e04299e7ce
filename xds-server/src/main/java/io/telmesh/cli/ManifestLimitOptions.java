package io.telmesh.cli;

import io.telmesh.source.ManifestLimits;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** What reading a manifest directory may cost (see {@link ManifestLimits}). */
final class ManifestLimitOptions {

  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
  CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--max-manifest-file-size",
      paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      defaultValue = "16Mi",
      description =
          "A manifest file bigger than this is not read; its last good contents stay served"
              + " (default: ${DEFAULT-VALUE}).")
  long maxFileBytes;

  @Option(
      names = "--max-manifest-total-size",
      paramLabel = "SIZE",
      converter = ByteSizeConverter.class,
      defaultValue = "128Mi",
      description =
          "Files past this many bytes of manifests, in path order, are not read"
              + " (default: ${DEFAULT-VALUE}).")
  long maxTotalBytes;

  @Option(
      names = "--max-manifest-documents",
      paramLabel = "N",
      defaultValue = "5000",
      description = "YAML documents read per file (default: ${DEFAULT-VALUE}).")
  int maxDocuments;

  @Option(
      names = "--max-manifest-parse-time",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "5s",
      description =
          "A file that takes longer to parse is abandoned (other changes wait at most this long);"
              + " its last good contents stay served"
              + " (default: ${DEFAULT-VALUE}).")
  Duration maxParseTime;

  ManifestLimits limits() {
    if (maxDocuments < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--max-manifest-documents must be at least 1");
    }
    return new ManifestLimits(maxFileBytes, maxTotalBytes, maxDocuments, maxParseTime);
  }
}
