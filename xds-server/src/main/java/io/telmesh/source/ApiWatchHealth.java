package io.telmesh.source;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks what the Kubernetes source cannot see, and says so once when it starts and once when it
 * ends: the API server unreachable (from a periodic probe), or one resource that cannot be listed
 * (from its informer's error handler, which fabric8 calls on every retry). Thread-safe.
 */
final class ApiWatchHealth {

  private static final Logger LOG = LoggerFactory.getLogger(ApiWatchHealth.class);

  /** What one resource's failure was and since when. */
  private record Failure(String reason, Instant since) {}

  private final Clock clock;
  private final String server;
  private Optional<Failure> unreachable = Optional.empty();
  private final Map<String, Failure> failing = new TreeMap<>();

  ApiWatchHealth(Clock clock, String server) {
    this.clock = clock;
    this.server = server;
  }

  /** The probe's answer: reachable, or the error it got. */
  synchronized void probed(Optional<Throwable> error) {
    if (error.isEmpty()) {
      unreachable.ifPresent(
          f ->
              LOG.info(
                  "Kubernetes API {} reachable again after {} unreachable",
                  server,
                  since(f.since())));
      unreachable = Optional.empty();
      return;
    }
    if (unreachable.isEmpty()) {
      String reason = describe(error.get());
      LOG.warn(
          "Kubernetes API {} unreachable: {}; the last good view stays served", server, reason);
      unreachable = Optional.of(new Failure(reason, clock.instant()));
    }
  }

  /**
   * A resource whose CRD may well be absent (Istio's): a 404 for it is said once in the log and is
   * not a failure; any other answer is one.
   */
  synchronized void optional(String resource) {
    optional.add(resource);
  }

  /** An informer's list or watch failed; called on every retry. */
  synchronized void listFailed(String resource, Throwable error) {
    if (!isHttpAnswer(error)) {
      probed(Optional.of(error)); // no answer at all: the server is away, not this resource
      return;
    }
    KubernetesClientException answer = kubernetesError(error);
    if (optional.contains(resource) && answer != null && answer.getCode() == 404) {
      if (absentLogged.add(resource)) {
        LOG.info("{} are not served by this API server (CRD not installed): none apply", resource);
      }
      return;
    }
    String reason = describe(error);
    Failure before = failing.get(resource);
    if (before != null && before.reason().equals(reason)) {
      return;
    }
    LOG.warn("{} cannot be listed: {}; the last good view stays served", resource, reason);
    failing.put(resource, new Failure(reason, before == null ? clock.instant() : before.since()));
  }

  /** An informer's state, polled: a failing resource that watches again has recovered. */
  synchronized void watching(String resource, boolean watching) {
    if (!watching) {
      return;
    }
    Failure before = failing.remove(resource);
    if (before != null) {
      LOG.info("{} listed and watched again after {}", resource, since(before.since()));
    }
  }

  private final java.util.Set<String> optional = new java.util.HashSet<>();
  private final java.util.Set<String> absentLogged = new java.util.HashSet<>();

  synchronized SourceHealth snapshot() {
    Map<String, String> reasons = new TreeMap<>();
    failing.forEach(
        (resource, failure) -> reasons.put(resource, "cannot list: " + failure.reason()));
    return new SourceHealth(
        unreachable.map(Failure::since),
        unreachable.map(Failure::reason).orElse(""),
        new TreeMap<>(reasons));
  }

  private String since(Instant start) {
    Duration duration = Duration.between(start, clock.instant());
    return duration.toSeconds() + " s";
  }

  private static boolean isHttpAnswer(Throwable error) {
    KubernetesClientException k = kubernetesError(error);
    return k != null && k.getCode() > 0;
  }

  private static KubernetesClientException kubernetesError(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k) {
        return k;
      }
    }
    return null;
  }

  /**
   * The API server's own words when it answered (403 with the missing permission, 404 for a CRD not
   * installed), else the innermost cause's message; never a stack trace.
   */
  static String describe(Throwable error) {
    KubernetesClientException k = kubernetesError(error);
    if (k != null && k.getCode() > 0) {
      String message =
          k.getStatus() != null && k.getStatus().getMessage() != null
              ? k.getStatus().getMessage()
              : k.getMessage();
      String hint =
          switch (k.getCode()) {
            case 403 -> " (RBAC: grant list and watch on it)";
            case 404 -> " (is its CustomResourceDefinition installed?)";
            default -> "";
          };
      return "HTTP " + k.getCode() + ": " + message + hint;
    }
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
