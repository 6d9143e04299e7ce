package io.telmesh.cli;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.source.BundledDemo;
import io.telmesh.source.ManifestDirectory;
import io.telmesh.source.SourceException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code --manifests DIR}, or the bundled demo mesh when absent. */
final class MeshSourceOptions {

  @Option(
      names = "--manifests",
      paramLabel = "DIR",
      description = "Directory of Kubernetes YAML manifests (default: the bundled telco demo).")
  Path manifests;

  @Mixin ManifestLimitOptions limits = new ManifestLimitOptions();

  MeshState load() {
    return MeshStateBuilder.build(objects());
  }

  KubeObjects objects() {
    if (manifests == null) {
      return BundledDemo.read();
    }
    try {
      return new ManifestDirectory(manifests, limits.limits(), java.time.Clock.systemUTC()).read();
    } catch (SourceException e) {
      throw new UserError(e.getMessage());
    }
  }
}
