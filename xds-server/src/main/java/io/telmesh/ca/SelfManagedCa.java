package io.telmesh.ca;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.telmesh.model.NamespacedName;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The secure port's certificate when no files are given: the CA from its Secret (made on first
 * start), this replica's serving certificate issued into {@code directory} and renewed at half its
 * life, and the root published in the watched namespaces.
 *
 * @param caSecret where the CA lives
 * @param names the serving certificate's names: what clients dial (the Service's DNS names)
 * @param rootConfigMap the ConfigMap the root is published as, in every watched namespace
 */
public record SelfManagedCa(NamespacedName caSecret, List<String> names, String rootConfigMap) {

  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration SERVING_VALIDITY = Duration.ofDays(1);

  public SelfManagedCa {
    names = List.copyOf(names);
  }

  /** The running parts; closing stops renewal and publishing. */
  public static final class Running implements AutoCloseable {
    private final CaKeys ca;
    private final RootCertPublisher publisher;
    private final ScheduledExecutorService renewals;

    private final Path directory;

    private Running(
        CaKeys ca, RootCertPublisher publisher, ScheduledExecutorService renewals, Path directory) {
      this.ca = ca;
      this.directory = directory;
      this.publisher = publisher;
      this.renewals = renewals;
    }

    public CaKeys ca() {
      return ca;
    }

    /** Stops renewing and publishing, and removes the issued key from disk. */
    @Override
    public void close() {
      renewals.shutdownNow();
      publisher.close();
      try (var files = java.nio.file.Files.list(directory)) {
        for (Path file : files.toList()) {
          java.nio.file.Files.deleteIfExists(file);
        }
        java.nio.file.Files.deleteIfExists(directory);
      } catch (IOException e) {
        // The process is ending; the directory is private to it.
      }
    }
  }

  /**
   * Gets the CA, issues the first serving certificate into {@code directory} (where the TLS port
   * reads it), schedules renewals and starts publishing the root.
   *
   * @param namespace the one namespace watched, or empty for all
   */
  public Running start(KubernetesClient client, Optional<String> namespace, Path directory)
      throws CaSecret.CaException, IOException {
    CaKeys ca =
        CaSecret.loadOrCreate(
            client, caSecret, CaSecret.generator("telmesh CA " + caSecret, CA_VALIDITY));
    IssuedServingCertificate serving =
        new IssuedServingCertificate(ca, names, SERVING_VALIDITY, Clock.systemUTC(), directory);
    serving.issue();
    ScheduledExecutorService renewals =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "serving-certificate-renewal");
              thread.setDaemon(true);
              return thread;
            });
    long period = serving.renewal().toMillis();
    var unusedRenewal =
        renewals.scheduleAtFixedRate(serving::renew, period, period, TimeUnit.MILLISECONDS);
    RootCertPublisher publisher =
        new RootCertPublisher(
                client,
                namespace,
                rootConfigMap,
                ca.certificatePem(),
                Duration.ofMinutes(1).toMillis())
            .start();
    return new Running(ca, publisher, renewals, directory);
  }
}
