package io.telmesh.source;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.telmesh.kube.KubeObjects;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes API through fabric8 shared informers: Services, EndpointSlices (discovery/v1),
 * Pods, NetworkAttachmentDefinitions, Istio's DestinationRules and VirtualServices (generic
 * resources). The informers relist and rewatch on API errors by themselves and keep their stores
 * meanwhile, so the last good view stays served while the API server is away. NADs are best effort:
 * a cluster without the Multus CRD still serves everything else; without Istio's CRDs no Istio
 * object applies, which is said once in the log.
 */
public final class KubernetesSource implements MeshSource {

  /**
   * An API resource as RBAC names it: API group ({@code ""} for core), version, plural resource.
   */
  public record ApiResource(String group, String version, String resource) {}

  /**
   * Exactly what the informers list and watch; a deployment grants telmesh list and watch on these
   * and nothing else ({@code KubernetesSourceTest} checks the requests against this list).
   */
  public static final List<ApiResource> WATCHED =
      List.of(
          new ApiResource("", "v1", "services"),
          new ApiResource("discovery.k8s.io", "v1", "endpointslices"),
          new ApiResource("", "v1", "pods"),
          new ApiResource("k8s.cni.cncf.io", "v1", "network-attachment-definitions"),
          new ApiResource("networking.istio.io", "v1", "destinationrules"),
          new ApiResource("networking.istio.io", "v1", "virtualservices"),
          new ApiResource("networking.istio.io", "v1", "sidecars"),
          new ApiResource("networking.istio.io", "v1", "serviceentries"));

  /**
   * Istio's kinds telmesh reads, by the name logs use, each spelled out as the NADs are. Optional:
   * a cluster without Istio's CRDs is the usual case, so their absence is said once in the log, not
   * reported as a problem, and their informers do not count in {@link #watching()} until synced.
   */
  private static final Map<String, ResourceDefinitionContext> ISTIO_KINDS =
      Map.of(
          "DestinationRules", istioKind("DestinationRule", "destinationrules"),
          "VirtualServices", istioKind("VirtualService", "virtualservices"),
          "Sidecars", istioKind("Sidecar", "sidecars"),
          "ServiceEntries", istioKind("ServiceEntry", "serviceentries"));

  private static ResourceDefinitionContext istioKind(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("networking.istio.io")
        .withVersion("v1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  /**
   * The NAD resource spelled out. Given only apiVersion and kind, fabric8 asks API discovery for
   * the plural, and fails (ending the process) while the Multus CRD is not installed; spelled out,
   * the informer just retries its list until the CRD appears.
   */
  private static final ResourceDefinitionContext NAD_CONTEXT =
      new ResourceDefinitionContext.Builder()
          .withGroup("k8s.cni.cncf.io")
          .withVersion("v1")
          .withKind(KubeObjects.NAD_KIND)
          .withPlural("network-attachment-definitions")
          .withNamespaced(true)
          .build();

  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);
  private static final long COALESCE_MILLIS = 20;

  /** How long to wait for NetworkAttachmentDefinitions before serving without them. */
  private static final long NAD_GRACE_MILLIS = 10_000;

  /** How often the API server is asked whether it answers. */
  private static final long PROBE_MILLIS = 2_000;

  private static final long PROBE_TIMEOUT_MILLIS = 5_000;

  private final KubernetesClient client;
  private final Optional<String> namespace;
  private final ScheduledExecutorService emitter =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "kubernetes-source");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicBoolean emitScheduled = new AtomicBoolean();
  private SharedIndexInformer<Service> services;
  private SharedIndexInformer<EndpointSlice> slices;
  private SharedIndexInformer<Pod> pods;
  private SharedIndexInformer<GenericKubernetesResource> networks;
  private final List<SharedIndexInformer<GenericKubernetesResource>> istio = new ArrayList<>();
  private final ScheduledExecutorService prober =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread thread = new Thread(r, "kubernetes-probe");
            thread.setDaemon(true);
            return thread;
          });
  private final ApiWatchHealth health;
  private final io.fabric8.kubernetes.client.Client probeClient;

  /** By the resource name logs and problems use ("Pods", …). */
  private final java.util.Map<String, SharedIndexInformer<?>> informers =
      new java.util.concurrent.ConcurrentHashMap<>();

  private Consumer<KubeObjects> sink;
  private long startedAt;

  /** When the last view was built: written by the emitter, read on the informers' threads. */
  private volatile long lastEmitNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

  public KubernetesSource(KubernetesClient client, Optional<String> namespace) {
    this.client = client;
    this.namespace = namespace;
    // One try, a short timeout: the probe is to notice an outage, not to ride it out.
    this.probeClient =
        client.newClient(
            new io.fabric8.kubernetes.client.RequestConfigBuilder()
                .withRequestRetryBackoffLimit(0)
                .withRequestTimeout((int) PROBE_TIMEOUT_MILLIS)
                .build());
    this.health =
        new ApiWatchHealth(java.time.Clock.systemUTC(), String.valueOf(client.getMasterUrl()));
  }

  @Override
  public void start(Consumer<KubeObjects> sink) {
    this.sink = sink;
    this.startedAt = System.currentTimeMillis();
    services = informer("Services", scoped(client.services()));
    slices = informer("EndpointSlices", scoped(client.discovery().v1().endpointSlices()));
    pods = informer("Pods", scoped(client.pods()));
    networks =
        informer(
            "NetworkAttachmentDefinitions", scoped(client.genericKubernetesResources(NAD_CONTEXT)));
    ISTIO_KINDS.forEach(
        (kind, context) -> {
          health.optional(kind);
          istio.add(informer(kind, scoped(client.genericKubernetesResources(context))));
        });
    // Without the Multus CRD the NAD informer never syncs: serve without NADs after a grace period.
    var unused = emitter.schedule(this::changed, NAD_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    var unusedProbe =
        prober.scheduleWithFixedDelay(
            this::probe, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Asks the API server for its version (which every authenticated caller may read), then notes
   * which failing informers watch again. The informers retry on their own; this only tells
   * operators when the view may be old and when it is current again.
   */
  private void probe() {
    try {
      // Not getKubernetesVersion(): fabric8 answers that from a cache after the first call.
      probeClient.raw("/version");
      health.probed(Optional.empty());
    } catch (RuntimeException e) {
      health.probed(Optional.of(e));
    }
    informers.forEach((resource, informer) -> health.watching(resource, informer.isWatching()));
  }

  @Override
  public SourceHealth health() {
    return health.snapshot();
  }

  /** Whether every informer has a watch open (after an API outage: whether they are back). */
  public boolean watching() {
    return informers.entrySet().stream()
        .filter(e -> !ISTIO_KINDS.containsKey(e.getKey()) || e.getValue().hasSynced())
        .allMatch(e -> e.getValue().isWatching());
  }

  private <T extends HasMetadata> Informable<T> scoped(MixedOperation<T, ?, ?> operation) {
    return namespace
        .<Informable<T>>map(operation::inNamespace)
        .orElseGet(operation::inAnyNamespace);
  }

  private <T extends HasMetadata> SharedIndexInformer<T> informer(
      String kind, Informable<T> source) {
    SharedIndexInformer<T> informer = source.runnableInformer(0);
    // fabric8 calls this on every retry of a failed list or watch; health says it once.
    informer.exceptionHandler(
        (started, error) -> {
          health.listFailed(kind, error);
          return true;
        });
    informer.addEventHandler(
        new ResourceEventHandler<T>() {
          @Override
          public void onAdd(T obj) {
            changed();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            changed();
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            changed();
          }
        });
    informer
        .start()
        .whenComplete(
            (ok, error) -> {
              if (error == null) {
                LOG.info(
                    "{} informer synced ({} objects)", kind, informer.getStore().list().size());
                changed();
              }
            });
    informers.put(kind, informer);
    return informer;
  }

  /**
   * Coalesces event storms (a relist fires one event per object): at most one view per {@link
   * #COALESCE_MILLIS}. A change after a quiet spell is handed on at once, since the pipeline's
   * debounce follows anyway and a lone endpoint change should not wait twice.
   */
  private void changed() {
    if (emitScheduled.compareAndSet(false, true)) {
      long sinceLast = System.nanoTime() - lastEmitNanos;
      long delay = Math.max(0, TimeUnit.MILLISECONDS.toNanos(COALESCE_MILLIS) - sinceLast);
      var unused = emitter.schedule(this::emit, delay, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Hands the informers' view on; a failure is logged here, since no one reads the task's future.
   */
  private void emit() {
    lastEmitNanos = System.nanoTime();
    emitScheduled.set(false);
    try {
      emitView();
    } catch (RuntimeException e) {
      LOG.error(
          "handing the Kubernetes view to the push pipeline failed; the next change retries", e);
    }
  }

  private void emitView() {
    if (!services.hasSynced() || !slices.hasSynced() || !pods.hasSynced()) {
      return; // a partial first view would push half a mesh; wait for the core kinds
    }
    if (!networks.hasSynced() && System.currentTimeMillis() - startedAt < NAD_GRACE_MILLIS) {
      return; // NADs are probably seconds away; a view without them would report bogus problems
    }
    List<Problem> problems = new ArrayList<>();
    if (!networks.hasSynced()) {
      problems.add(
          Problem.of(
              new ObjectRef("NetworkAttachmentDefinition", "", ""),
              "",
              "NetworkAttachmentDefinitions cannot be listed (is the Multus CRD installed, and may telmesh list it?); "
                  + "secondary networks come from pods' network-status only"));
    }
    sink.accept(
        new KubeObjects(
            services.getStore().list(),
            slices.getStore().list(),
            pods.getStore().list(),
            networks.getStore().list(),
            problems,
            istioObjects()));
  }

  private List<GenericKubernetesResource> istioObjects() {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    istio.forEach(informer -> objects.addAll(informer.getStore().list()));
    return objects;
  }

  @Override
  public String describe() {
    return "the Kubernetes API at "
        + client.getMasterUrl()
        + namespace.map(ns -> " (namespace " + ns + ")").orElse(" (all namespaces)");
  }

  @Override
  public void close() {
    informers.values().forEach(SharedIndexInformer::stop);
    prober.shutdownNow();
    emitter.shutdownNow();
    client.close();
  }
}
