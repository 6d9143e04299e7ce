package io.telmesh.ca;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the CA's root as a ConfigMap ({@code root-cert.pem}) in every namespace (or the one
 * watched), as istiod publishes {@code istio-ca-root-cert}, so that pods mount the root they verify
 * the secure port with. A namespace gets it when it appears; an edited or deleted copy is restored
 * at the informer's resync. A ConfigMap of that name telmesh did not make (istiod's, say) is left
 * alone and reported once: two control planes must not overwrite each other.
 */
public final class RootCertPublisher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RootCertPublisher.class);

  public static final String ROOT_KEY = "root-cert.pem";
  public static final String DEFAULT_NAME = "istio-ca-root-cert";
  static final Map<String, String> OURS = Map.of("app.kubernetes.io/managed-by", "telmesh");

  private final KubernetesClient client;
  private final Optional<String> namespace;
  private final String name;
  private final String rootPem;
  private final long resyncMillis;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private SharedIndexInformer<Namespace> informer;

  /**
   * @param namespace the one namespace watched, or empty for all of them
   * @param resyncMillis how often every namespace is checked again
   */
  public RootCertPublisher(
      KubernetesClient client,
      Optional<String> namespace,
      String name,
      String rootPem,
      long resyncMillis) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.rootPem = rootPem;
    this.resyncMillis = resyncMillis;
  }

  public RootCertPublisher start() {
    ResourceEventHandler<Namespace> handler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Namespace ns) {
            publish(ns.getMetadata().getName());
          }

          @Override
          public void onUpdate(Namespace before, Namespace after) {
            publish(after.getMetadata().getName());
          }

          @Override
          public void onDelete(Namespace ns, boolean unknownFinalState) {}
        };
    informer =
        namespace.isPresent()
            ? client
                .namespaces()
                .withField("metadata.name", namespace.get())
                .inform(handler, resyncMillis)
            : client.namespaces().inform(handler, resyncMillis);
    return this;
  }

  /** Makes the namespace's copy current; every failure is logged, none stops the others. */
  void publish(String ns) {
    try {
      ConfigMap existing = client.configMaps().inNamespace(ns).withName(name).get();
      if (existing == null) {
        client.configMaps().inNamespace(ns).resource(configMap(ns)).create();
        LOG.info("published the CA root as ConfigMap {}/{}", ns, name);
        return;
      }
      Map<String, String> labels = existing.getMetadata().getLabels();
      boolean ours = labels != null && "telmesh".equals(labels.get("app.kubernetes.io/managed-by"));
      String current = existing.getData() == null ? null : existing.getData().get(ROOT_KEY);
      if (rootPem.equals(current)) {
        return;
      }
      if (!ours) {
        if (reported.add(ns)) {
          LOG.warn(
              "ConfigMap {}/{} holds another root and was not made by telmesh: left alone",
              ns,
              name);
        }
        return;
      }
      client.configMaps().inNamespace(ns).resource(configMap(ns)).update();
      LOG.info("restored the CA root in ConfigMap {}/{}", ns, name);
    } catch (KubernetesClientException e) {
      if (reported.add(ns + "/error")) {
        LOG.warn(
            "cannot publish the CA root to ConfigMap {}/{} (HTTP {}): {}",
            ns,
            name,
            e.getCode(),
            e.getMessage());
      }
    }
  }

  private ConfigMap configMap(String ns) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .withLabels(OURS)
        .endMetadata()
        .withData(Map.of(ROOT_KEY, rootPem))
        .build();
  }

  /** The namespaces this publisher writes to right now (for tests and logs). */
  List<String> namespaces() {
    return informer == null
        ? List.of()
        : informer.getStore().list().stream().map(n -> n.getMetadata().getName()).toList();
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
