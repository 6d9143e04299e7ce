package io.telmesh.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.source.KubernetesPodReader;
import io.telmesh.source.SourceException;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where {@code bootstrap} and {@code iptables} find their pod: {@code --manifests DIR}, the bundled
 * demo, or ({@code --kubernetes}) the live pod in the cluster, as an init container reads it.
 */
final class PodSourceOptions {

  @Mixin MeshSourceOptions files = new MeshSourceOptions();

  @Option(
      names = "--kubernetes",
      description =
          "Read the pod (with the network-status Multus wrote) and its namespace's Services from the "
              + "Kubernetes API: in-cluster config, else $KUBECONFIG. For init containers.")
  boolean kubernetes;

  @Option(
      names = "--wait",
      defaultValue = "60s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "With --kubernetes: how long to wait for the pod, its IP and, when it asks for networks, "
              + "Multus's network-status (default: ${DEFAULT-VALUE}).")
  Duration wait;

  MeshState load(NamespacedName pod, PrintWriter err) {
    if (!kubernetes) {
      return files.load();
    }
    if (files.manifests != null) {
      throw UserError.usage("--manifests and --kubernetes exclude each other");
    }
    try (KubernetesClient client =
        new KubernetesClientBuilder().withConfig(Config.autoConfigure(null)).build()) {
      return MeshStateBuilder.build(
          KubernetesPodReader.read(
              client,
              pod,
              wait,
              note -> {
                err.println("telmesh: " + note);
                err.flush();
              }));
    } catch (SourceException e) {
      throw new UserError(e.getMessage());
    }
  }
}
