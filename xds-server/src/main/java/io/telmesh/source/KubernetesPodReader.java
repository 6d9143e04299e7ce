package io.telmesh.source;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.telmesh.kube.Annotations;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.NamespacedName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One live pod from the Kubernetes API, for what a pod's init containers run ({@code telmesh
 * bootstrap} and {@code telmesh iptables}): the pod itself and its namespace's Services (the
 * capture plan lists the SCTP/UDP Service ports it leaves alone). Multus writes the pod's
 * network-status while the sandbox is set up, so an init container normally finds it at once; the
 * reader still waits for it (and for the pod's IP) up to a deadline rather than build config for a
 * pod whose interfaces are not known yet.
 */
public final class KubernetesPodReader {

  private static final Duration POLL = Duration.ofMillis(500);

  private KubernetesPodReader() {}

  /**
   * Reads a pod and its namespace's Services once the pod's interfaces are known.
   *
   * @param progress told once per distinct reason to wait, e.g. "no network-status from Multus yet"
   * @throws SourceException when the API cannot be read, or the pod is still incomplete at the
   *     deadline
   */
  public static KubeObjects read(
      KubernetesClient client, NamespacedName key, Duration wait, Consumer<String> progress)
      throws SourceException {
    long deadline = System.nanoTime() + wait.toNanos();
    String reported = "";
    while (true) {
      Pod pod =
          call(key, () -> client.pods().inNamespace(key.namespace()).withName(key.name()).get());
      Optional<String> missing = missing(pod);
      if (missing.isEmpty()) {
        List<Service> services =
            call(key, () -> client.services().inNamespace(key.namespace()).list().getItems());
        return new KubeObjects(services, List.of(), List.of(pod), List.of(), List.of());
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SourceException(
            "pod " + key + ": " + missing.get() + " after waiting " + seconds(wait));
      }
      if (!missing.get().equals(reported)) {
        reported = missing.get();
        progress.accept("pod " + key + ": " + reported + "; waiting up to " + seconds(wait));
      }
      try {
        Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SourceException("interrupted while waiting for pod " + key);
      }
    }
  }

  /** What the pod still lacks for its interfaces to be known, if anything. */
  static Optional<String> missing(Pod pod) {
    if (pod == null) {
      return Optional.of("not found");
    }
    Map<String, String> annotations =
        pod.getMetadata().getAnnotations() == null ? Map.of() : pod.getMetadata().getAnnotations();
    boolean hasStatus =
        annotations.containsKey(Annotations.NETWORK_STATUS)
            || annotations.containsKey(Annotations.NETWORKS_STATUS_OLD);
    String requested = annotations.getOrDefault(Annotations.NETWORKS, "");
    if (!requested.isBlank() && !hasStatus) {
      return Optional.of(
          "it asks for networks ("
              + Annotations.NETWORKS
              + ") but has no "
              + Annotations.NETWORK_STATUS
              + " from Multus yet");
    }
    if (!hasStatus && !hasPodIp(pod.getStatus())) {
      return Optional.of("no IP address yet");
    }
    return Optional.empty();
  }

  private static boolean hasPodIp(PodStatus status) {
    return status != null
        && ((status.getPodIP() != null && !status.getPodIP().isEmpty())
            || (status.getPodIPs() != null && !status.getPodIPs().isEmpty()));
  }

  private interface ApiCall<T> {
    T run();
  }

  private static <T> T call(NamespacedName key, ApiCall<T> call) throws SourceException {
    try {
      return call.run();
    } catch (KubernetesClientException e) {
      String message =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      throw new SourceException(
          "cannot read pod "
              + key
              + " from the Kubernetes API: "
              + String.valueOf(message).replaceAll("\\s+", " ").strip());
    }
  }

  private static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0
        ? duration.toSeconds() + "s"
        : duration.toMillis() + "ms";
  }
}
