package io.telmesh.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.telmesh.model.MeshState;
import io.telmesh.model.UntouchedPort;
import io.telmesh.model.Workload;
import io.telmesh.model.WorkloadPorts;
import io.telmesh.push.PushMetrics;
import io.telmesh.source.SourceHealth;
import io.telmesh.status.XdsEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * telmesh's Prometheus metrics (Micrometer): its own, per-network counts of the mesh being served,
 * and the JVM and process metrics of Micrometer's binders.
 */
public final class TelmeshMetrics
    implements PushMetrics, XdsEvents, io.telmesh.auth.Refusals, AutoCloseable {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger problems = new AtomicInteger();
  private final Timer meshTranslation;
  private final Timer proxyTranslation;
  private final Timer push;
  private final Timer debounce;
  private final Timer proxyQueue;
  private final Counter endpointRefreshes;
  private final Timer streamQueue;
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final MultiGauge podsPerNetwork;
  private final MultiGauge untouchedPorts;
  private final MultiGauge connectedPerNetwork;
  private final MultiGauge podInterfaces;
  private final Supplier<Map<String, Integer>> proxiesPerNetwork;

  /** One row of {@code telmesh_pod_network_interface}. */
  private record InterfaceRow(String namespace, String pod, String iface, String network) {}

  /** The rows last registered; meshServed runs on the push thread only. */
  private List<InterfaceRow> publishedInterfaces = List.of();

  /** The maps the gauges were last computed from (the push thread's only). */
  private Map<?, ?> servedWorkloads;

  private Map<?, ?> servedPorts;

  /**
   * Per-type timers, each registered once: they are recorded for every response and ACK, and a
   * registry lookup builds the meter's id and tags on each call.
   */
  private final Map<String, Timer> pushSentByType = new ConcurrentHashMap<>();

  private final Map<String, Timer> convergenceByType = new ConcurrentHashMap<>();

  /** Counted on every response sent: looked up here rather than built and registered each time. */
  private final Map<String, Counter> pushesByType = new ConcurrentHashMap<>();

  public TelmeshMetrics(IntSupplier connectedProxies, IntSupplier openStreams) {
    this(connectedProxies, openStreams, Map::of);
  }

  /**
   * @param proxiesPerNetwork connected proxies whose pod is in the mesh, by each network the pod is
   *     attached to; taken at each scrape
   */
  public TelmeshMetrics(
      IntSupplier connectedProxies,
      IntSupplier openStreams,
      Supplier<Map<String, Integer>> proxiesPerNetwork) {
    this.proxiesPerNetwork = proxiesPerNetwork;
    Gauge.builder("telmesh_proxies_connected", connectedProxies::getAsInt)
        .description("Proxies with at least one open xDS stream")
        .register(registry);
    Gauge.builder("telmesh_xds_streams_open", openStreams::getAsInt)
        .description("Open xDS streams")
        .register(registry);
    Gauge.builder("telmesh_problems", problems::get)
        .description(
            "Current problem entries (objects skipped or corrected, proxies not served fully)")
        .register(registry);
    meshTranslation =
        Timer.builder("telmesh_translation_mesh")
            .description("Building a mesh state and its shared translation, per generation")
            .publishPercentileHistogram()
            .register(registry);
    proxyTranslation =
        Timer.builder("telmesh_translation_proxy")
            .description("Translating and preparing one proxy's snapshot")
            .publishPercentileHistogram()
            .register(registry);
    // Where an endpoint change's time goes, stage by stage (istiod's pilot_debounce_time,
    // pilot_proxy_queue_time and pilot_proxy_convergence_time answer the same questions).
    debounce =
        Timer.builder("telmesh_push_debounce")
            .description(
                "From the first source change of a burst to the end of its debounce window")
            .publishPercentileHistogram()
            .register(registry);
    proxyQueue =
        Timer.builder("telmesh_push_proxy_queue")
            .description(
                "From a generation's shared translation being ready to a worker taking up one"
                    + " proxy's snapshot")
            .publishPercentileHistogram()
            .register(registry);
    endpointRefreshes =
        Counter.builder("telmesh_push_endpoint_refreshes")
            .description(
                "Proxies given an endpoint-only generation's new endpoints without being"
                    + " translated again")
            .register(registry);
    streamQueue =
        Timer.builder("telmesh_xds_stream_queue")
            .description("From a proxy's new snapshot being installed to its stream taking it up")
            .publishPercentileHistogram()
            .register(registry);
    podsPerNetwork =
        MultiGauge.builder("telmesh_mesh_pods")
            .description("Pods of the mesh attached to each network")
            .register(registry);
    connectedPerNetwork =
        MultiGauge.builder("telmesh_proxies_connected_by_network")
            .description(
                "Connected proxies whose pod is in the mesh, by each network the pod is attached to")
            .register(registry);
    // Not "_info": the Prometheus client reserves that suffix for its own Info type and drops a
    // gauge so named.
    podInterfaces =
        MultiGauge.builder("telmesh_pod_network_interface")
            .description(
                "1 for each interface of each pod: which network it is on (join Envoy's"
                    + " interface-labelled statistics on namespace, pod and interface)")
            .register(registry);
    untouchedPorts =
        MultiGauge.builder("telmesh_mesh_untouched_ports")
            .description(
                "Pod ports the sidecar leaves alone (no listener, cluster or capture rule)")
            .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    push =
        Timer.builder("telmesh_push")
            .description(
                "A push: from the end of the debounce window until every proxy's snapshot is installed")
            .publishPercentileHistogram()
            .register(registry);
  }

  /**
   * The source's health at each scrape: {@code telmesh_source_reachable} (1 or 0) and {@code
   * telmesh_source_resources_failing} (resources that cannot be listed or watched).
   */
  public void watchSource(Supplier<SourceHealth> health) {
    Gauge.builder("telmesh_source_reachable", () -> health.get().reachable() ? 1 : 0)
        .description(
            "1 while the source (the Kubernetes API) answers; 0 while the last good view is served")
        .register(registry);
    Gauge.builder("telmesh_source_resources_failing", () -> health.get().failing().size())
        .description(
            "Watched resources that cannot be listed or watched (a missing permission, a CRD not"
                + " installed)")
        .register(registry);
  }

  /**
   * The server-wide send buffer at each scrape: responses handed to gRPC and not yet read by their
   * proxies, its limit, and the streams waiting for room in it (a full push to many proxies at
   * once, or proxies that stopped reading).
   */
  public void watchSendBuffer(
      LongSupplier inUse, long limit, IntSupplier waiting, LongSupplier stalled) {
    Gauge.builder("telmesh_xds_send_buffer_bytes", inUse::getAsLong)
        .description("Bytes of responses handed to gRPC and not yet written to their proxies")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("telmesh_xds_send_buffer_limit_bytes", () -> limit)
        .description("The send buffer's limit (--send-buffer)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("telmesh_xds_send_buffer_stalled_bytes", stalled::getAsLong)
        .description(
            "Bytes written off the send buffer because their proxies had not read them for 30 s")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("telmesh_xds_streams_waiting_to_send", waiting::getAsInt)
        .description("Streams whose next response waits for room in the send buffer")
        .register(registry);
  }

  /** Pods attached to each network (eth0's is {@code default}) and ports left alone, by reason. */
  @Override
  @SuppressWarnings("ReferenceEquality") // a state's maps are immutable: same instance, same rows
  public void meshServed(MeshState mesh) {
    // An endpoint change's state shares its workloads and their ports with the last one, and the
    // rows would come out the same: computing them was a fifth of a change's CPU at 2000 pods.
    if (mesh.workloads() == servedWorkloads && mesh.workloadPorts() == servedPorts) {
      return;
    }
    servedWorkloads = mesh.workloads();
    servedPorts = mesh.workloadPorts();
    Map<String, Integer> pods = new TreeMap<>();
    for (Workload workload : mesh.workloads().values()) {
      workload.networks().forEach(network -> pods.merge(network, 1, Integer::sum));
    }
    List<InterfaceRow> interfaces =
        mesh.workloads().values().stream()
            .flatMap(
                workload ->
                    workload.interfaces().stream()
                        .map(
                            iface ->
                                new InterfaceRow(
                                    workload.namespace(),
                                    workload.name(),
                                    iface.name(),
                                    iface.network())))
            .toList();
    // Re-registering thousands of rows costs ~50 ms on the reference mesh, on every push's path;
    // an endpoint change leaves them as they are.
    if (!interfaces.equals(publishedInterfaces)) {
      podInterfaces.register(
          interfaces.stream()
              .map(
                  i ->
                      MultiGauge.Row.of(
                          Tags.of(
                              "namespace", i.namespace(),
                              "pod", i.pod(),
                              "interface", i.iface(),
                              "network", i.network()),
                          1))
              .toList(),
          true);
      publishedInterfaces = interfaces;
    }
    publish(podsPerNetwork, "network", pods);
    Map<String, Integer> untouched = new TreeMap<>();
    for (WorkloadPorts ports : mesh.workloadPorts().values()) {
      for (UntouchedPort port : ports.untouched()) {
        untouched.merge(port.transport().name(), 1, Integer::sum);
      }
    }
    publish(untouchedPorts, "protocol", untouched);
  }

  /** Replaces a gauge's rows with one per key, the key as the tag's value. */
  private static void publish(MultiGauge gauge, String tag, Map<String, Integer> counts) {
    gauge.register(
        counts.entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of(tag, e.getKey()), e.getValue()))
            .toList(),
        true);
  }

  @Override
  public void close() {
    gc.close();
  }

  /** The registry itself, for readers in the same process (the load harness's breakdown). */
  public MeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    publish(connectedPerNetwork, "network", proxiesPerNetwork.get());
    return registry.scrape();
  }

  @Override
  public void translatedMesh(Duration duration) {
    meshTranslation.record(duration);
  }

  @Override
  public void debounced(Duration waited) {
    debounce.record(waited);
  }

  @Override
  public void proxyQueued(Duration waited) {
    proxyQueue.record(waited);
  }

  @Override
  public void endpointsRefreshed(int proxies) {
    endpointRefreshes.increment(proxies);
  }

  @Override
  public void translatedProxy(Duration duration) {
    proxyTranslation.record(duration);
  }

  @Override
  public void pushed(Duration duration, int proxies) {
    push.record(duration);
  }

  @Override
  public void problems(int count) {
    problems.set(count);
  }

  @Override
  public void refused(String code) {
    Counter.builder("telmesh_xds_refused")
        .description(
            "xDS and CSDS calls refused on the secure port, by status: UNAUTHENTICATED (no or bad"
                + " credentials), PERMISSION_DENIED (a pod or debug type the caller may not read)")
        .tag("code", code)
        .register(registry)
        .increment();
  }

  @Override
  public void validationFailed(String rule) {
    Counter.builder("telmesh_validation_failures")
        .description("Resources held back because Envoy would reject them, by rule")
        .tag("rule", rule)
        .register(registry)
        .increment();
  }

  @Override
  public void listenerDrained(String listener) {
    Counter.builder("telmesh_listener_drains")
        .description(
            "Pushes that changed a listener-level field, which makes Envoy drain every connection of the listener")
        .tag("listener", listener)
        .register(registry)
        .increment();
  }

  @Override
  public void pushed(String type) {
    pushesByType
        .computeIfAbsent(
            type,
            t ->
                Counter.builder("telmesh_xds_pushes")
                    .description("xDS responses sent, by type")
                    .tag("type", t)
                    .register(registry))
        .increment();
  }

  @Override
  public void nacked(String type) {
    Counter.builder("telmesh_xds_nacks")
        .description("xDS responses rejected by proxies, by type")
        .tag("type", type)
        .register(registry)
        .increment();
  }

  @Override
  public void streamQueued(Duration waited) {
    streamQueue.record(waited);
  }

  @Override
  public void pushSent(String type, Duration sinceChange) {
    pushSentByType
        .computeIfAbsent(
            type,
            t ->
                byType(
                    "telmesh_push_sent",
                    "From a source change to a push carrying it being handed to the proxy's"
                        + " stream, by type",
                    t))
        .record(sinceChange);
  }

  @Override
  public void converged(String type, Duration latency) {
    convergenceByType
        .computeIfAbsent(
            type,
            t ->
                byType(
                    "telmesh_convergence",
                    "From a source change to the proxy's ACK of the push carrying it, by type"
                        + " (pushes only, not answers to a connecting proxy)",
                    t))
        .record(latency);
  }

  private Timer byType(String name, String description, String type) {
    return Timer.builder(name)
        .description(description)
        .tag("type", type)
        .publishPercentileHistogram()
        .register(registry);
  }
}
