package io.telmesh.push;

import io.telmesh.kube.KubeObjects;
import io.telmesh.mesh.MeshStateBuilder;
import io.telmesh.model.MeshState;
import io.telmesh.model.Problem;
import io.telmesh.node.ProxyNode;
import io.telmesh.resources.ProxyResources;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.SnapshotFactory;
import io.telmesh.translate.MeshTranslation;
import io.telmesh.translate.TranslationSettings;
import io.telmesh.translate.Translator;
import io.telmesh.validate.EnvoyValidator;
import io.telmesh.validate.Violation;
import io.telmesh.xds.ProxyCache;
import io.telmesh.xds.ProxyRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns source changes into proxy snapshots. Sources call {@link #submit} from their own threads;
 * everything else happens on the push thread (translation of the shared part) and a small worker
 * pool (per-proxy translation), never on a source thread.
 */
public final class PushPipeline implements ProxyRegistry.Listener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PushPipeline.class);

  /** The translation every connected proxy is currently built from. */
  public record Generation(
      long number, MeshState mesh, MeshTranslation translation, Instant changedAt) {}

  private final ProxyCache cache;
  private final ProxyRegistry registry;
  private final PushMetrics metrics;
  private final SnapshotFactory snapshots = new SnapshotFactory();
  private final MeshStateBuilder meshBuilder = new MeshStateBuilder();
  private final Function<ProxyResources, List<Violation>> validator;
  private final TranslationSettings settings;
  private final ScheduledExecutorService pushThread;
  private final ExecutorService workers;
  private final Debouncer debouncer;
  private final Clock clock;
  private final AtomicReference<KubeObjects> latest = new AtomicReference<>();
  private final AtomicReference<Generation> current = new AtomicReference<>();
  private final Map<String, LastPush> lastPushes = new ConcurrentHashMap<>();

  /**
   * What a proxy was last given: the generation, the node it was translated for, the snapshot and
   * the proxy's problems in it. A push of an older generation never replaces a later one's.
   */
  private record LastPush(
      long generation, ProxyNode node, ProxySnapshot snapshot, List<Problem> problems) {}

  private final CountDownLatch firstState = new CountDownLatch(1);
  private volatile Set<Problem> reportedProblems = Set.of();
  private long generation;

  public PushPipeline(
      ProxyCache cache,
      ProxyRegistry registry,
      PushMetrics metrics,
      Duration debounceQuiet,
      Duration debounceMax,
      Clock clock) {
    this(
        cache,
        registry,
        metrics,
        debounceQuiet,
        debounceMax,
        clock,
        EnvoyValidator.create()::validate);
  }

  /**
   * @param validator what Envoy would reject in a proxy's resources (Envoy's rules, in production)
   */
  public PushPipeline(
      ProxyCache cache,
      ProxyRegistry registry,
      PushMetrics metrics,
      Duration debounceQuiet,
      Duration debounceMax,
      Clock clock,
      Function<ProxyResources, List<Violation>> validator) {
    this(
        cache,
        registry,
        metrics,
        debounceQuiet,
        debounceMax,
        clock,
        validator,
        TranslationSettings.DEFAULTS);
  }

  /**
   * @param validator what Envoy would reject in a proxy's resources (Envoy's rules, in production)
   * @param settings the server-wide translation choices (serve's flags), kept for every generation
   */
  public PushPipeline(
      ProxyCache cache,
      ProxyRegistry registry,
      PushMetrics metrics,
      Duration debounceQuiet,
      Duration debounceMax,
      Clock clock,
      Function<ProxyResources, List<Violation>> validator,
      TranslationSettings settings) {
    this.validator = validator;
    this.settings = settings;
    this.cache = cache;
    this.registry = registry;
    this.metrics = metrics;
    this.pushThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "push"));
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    this.workers = Executors.newFixedThreadPool(threads, r -> daemon(r, "push-worker"));
    this.clock = clock;
    this.debouncer = new Debouncer(pushThread, debounceQuiet, debounceMax, clock, this::flush);
    registry.addListener(this);
  }

  /** A source's complete, current view. Cheap: the work happens after the debounce window. */
  public void submit(KubeObjects objects) {
    latest.set(objects);
    debouncer.changed();
  }

  public Optional<Generation> current() {
    return Optional.ofNullable(current.get());
  }

  /** Whether the first mesh state has been loaded and pushed. */
  public boolean ready() {
    return firstState.getCount() == 0;
  }

  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return firstState.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Mesh-wide problems plus those of connected proxies (e.g. a pod not yet known), sorted. */
  public List<Problem> problems() {
    Set<Problem> all = new HashSet<>();
    current().ifPresent(g -> all.addAll(g.translation().problems()));
    lastPushes.values().forEach(p -> all.addAll(p.problems()));
    return all.stream().sorted().toList();
  }

  private void flush(Instant changedAt) {
    KubeObjects objects = latest.get();
    if (objects == null) {
      return;
    }
    try {
      metrics.debounced(Duration.between(changedAt, clock.instant()));
      long started = System.nanoTime();
      MeshState mesh = meshBuilder.next(objects);
      Generation previous = current.get();
      MeshTranslation translation =
          previous == null
              ? Translator.prepare(mesh, settings)
              : Translator.prepare(mesh, previous.translation());
      Duration shared = Duration.ofNanos(System.nanoTime() - started);
      metrics.translatedMesh(shared);
      Generation next = new Generation(++generation, mesh, translation, changedAt);
      current.set(next);
      List<ProxyRegistry.Connection> proxies = new ArrayList<>(registry.connections());
      int refreshed = pushAll(previous, next, proxies);
      // The per-network gauges wait for the proxies: they are for operators, not on a push's path.
      metrics.meshServed(mesh);
      translation.forgetPrevious();
      metrics.pushed(Duration.ofNanos(System.nanoTime() - started), proxies.size());
      logProblems();
      if (firstState.getCount() > 0) {
        LOG.info(
            "first mesh state loaded: {} pods, {} services, {} problems; ready {} ms after the"
                + " JVM started",
            mesh.workloads().size(),
            mesh.services().size(),
            mesh.problems().size(),
            ManagementFactory.getRuntimeMXBean().getUptime());
      } else {
        LOG.info(
            "generation {}: pushed {} proxies in {} ms ({} ms mesh state and shared translation;"
                + " {} given new endpoints only, {} translated)",
            next.number(),
            proxies.size(),
            Duration.ofNanos(System.nanoTime() - started).toMillis(),
            shared.toMillis(),
            refreshed,
            proxies.size() - refreshed);
      }
      firstState.countDown();
    } catch (RuntimeException e) {
      // A translator bug must not stop the control plane: proxies keep their last config.
      LOG.error("generation {} failed; proxies keep their current config", generation + 1, e);
    }
  }

  /**
   * Pushes a generation to every proxy: on an endpoint-only change, proxies whose last push was the
   * previous generation's get its snapshot with new endpoints, right here; the rest are translated
   * on the workers.
   *
   * @return how many proxies were given new endpoints only
   */
  private int pushAll(
      Generation previous, Generation next, List<ProxyRegistry.Connection> proxies) {
    long queued = System.nanoTime();
    Optional<EndpointRefresh> refresh =
        previous == null
            ? Optional.empty()
            : EndpointRefresh.of(next.translation(), snapshots, validator);
    List<ProxyRegistry.Connection> translate = new ArrayList<>();
    for (ProxyRegistry.Connection connection : proxies) {
      if (refresh.isEmpty()
          || !refreshEndpoints(
              connection.node(),
              previous.number(),
              next,
              refresh.get(),
              Duration.ofNanos(System.nanoTime() - queued))) {
        translate.add(connection);
      }
    }
    translateAll(next, translate);
    metrics.endpointsRefreshed(proxies.size() - translate.size());
    return proxies.size() - translate.size();
  }

  /**
   * Installs the previous generation's snapshot with this one's endpoints, if that is all that
   * changed for this proxy: it was last given the previous generation, translated for this very
   * node, with nothing held back or wrong.
   *
   * @return false when the proxy must be translated
   */
  @SuppressWarnings("ReferenceEquality") // the node of this connection: a reconnection translates
  private boolean refreshEndpoints(
      ProxyNode node, long previous, Generation next, EndpointRefresh refresh, Duration waited) {
    LastPush last = lastPushes.get(node.id());
    if (last == null
        || last.generation() != previous
        || last.node() != node
        || !last.problems().isEmpty()) {
      return false;
    }
    Optional<ProxySnapshot> snapshot =
        refresh.next(last.snapshot(), next.number(), next.changedAt());
    if (snapshot.isEmpty()) {
      return false;
    }
    // Only over the record it was derived from, and only onto the snapshot that record installed:
    // a connecting proxy's push in between makes the derivation stale.
    if (!lastPushes.replace(
        node.id(), last, new LastPush(next.number(), node, snapshot.get(), List.of()))) {
      return false;
    }
    // Timed before the install: once installed, the stream may send it and have it ACKed before
    // this thread runs again. (One that loses to a connecting push is translated and timed again.)
    metrics.proxyQueued(waited);
    return cache.replaceSnapshot(node.id(), last.snapshot(), snapshot.get());
  }

  private void translateAll(Generation next, List<ProxyRegistry.Connection> proxies) {
    CountDownLatch done = new CountDownLatch(proxies.size());
    long queued = System.nanoTime();
    for (ProxyRegistry.Connection connection : proxies) {
      workers.execute(
          () -> {
            try {
              metrics.proxyQueued(Duration.ofNanos(System.nanoTime() - queued));
              push(connection.node(), next);
            } finally {
              done.countDown();
            }
          });
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void push(ProxyNode node, Generation generation) {
    try {
      long started = System.nanoTime();
      ProxyResources resources = generation.translation().forProxy(node);
      ProxySnapshot snapshot =
          snapshots.snapshot(resources, generation.number(), generation.changedAt());
      List<Violation> violations = validator.apply(resources);
      List<Problem> problems = new ArrayList<>(resources.problems());
      if (!violations.isEmpty()) {
        // Never send what Envoy would reject: the proxy keeps the last good version of it.
        snapshot = LastGood.apply(snapshot, cache.snapshot(node.id()), violations);
        for (Violation violation : violations) {
          LOG.error(
              "proxy {}: {} not pushed, the proxy keeps its last good version",
              node.id(),
              violation.describe());
          metrics.validationFailed(violation.rule());
          problems.add(
              new Problem(
                  violation.resourceType(),
                  node.pod().namespace(),
                  violation.resourceName(),
                  violation.path(),
                  "["
                      + violation.rule()
                      + "] "
                      + violation.message()
                      + "; not pushed to proxy "
                      + node.proxyName()
                      + ", which keeps its last good version"));
        }
      }
      // Problems first: whoever sees the push can see why part of it was held back. A push of an
      // older generation (a connecting proxy's, racing a new generation's) leaves both alone.
      long number = generation.number();
      LastPush pushed = new LastPush(number, node, snapshot, List.copyOf(problems));
      lastPushes.compute(
          node.id(), (id, known) -> known != null && known.generation() > number ? known : pushed);
      logDrains(node, snapshot);
      cache.setSnapshot(node.id(), snapshot);
      metrics.translatedProxy(Duration.ofNanos(System.nanoTime() - started));
    } catch (RuntimeException e) {
      LOG.error("proxy {}: translation failed; it keeps its current config", node.id(), e);
    }
  }

  /** Listener-level changes against what the proxy was last given: each drains a whole listener. */
  private void logDrains(ProxyNode node, ProxySnapshot next) {
    cache
        .snapshot(node.id())
        .ifPresent(
            previous ->
                ListenerDrains.between(previous, next)
                    .forEach(
                        drain -> {
                          LOG.info(
                              "proxy {}: listener {} {} changed (drains all its connections)",
                              node.id(),
                              drain.listener(),
                              drain.field());
                          metrics.listenerDrained(drain.listener());
                        }));
  }

  private void logProblems() {
    List<Problem> now = problems();
    Set<Problem> previous = reportedProblems;
    for (Problem problem : now) {
      if (!previous.contains(problem)) {
        LOG.warn("problem: {}", problem.describe());
      }
    }
    reportedProblems = Set.copyOf(now);
    metrics.problems(now.size());
  }

  /**
   * A connecting proxy is translated on the workers, beside the others connecting with it (a
   * restart brings them all at once) and beside a generation's push, rather than one at a time on
   * the push thread. The cache keeps the later generation if the two pushes race.
   */
  @Override
  public void connected(ProxyNode node) {
    LOG.info("proxy {} connected", node.id());
    translateAndPush(node);
  }

  @Override
  public void nodeChanged(ProxyNode node) {
    LOG.info("proxy {} opened another stream with a changed node; translating for it", node.id());
    translateAndPush(node);
  }

  /**
   * Translates for the node the registry holds when the worker runs, not the one given: of two
   * streams' pushes racing, both are for the node as it is now.
   */
  private void translateAndPush(ProxyNode given) {
    workers.execute(
        () ->
            current()
                .ifPresent(
                    g -> {
                      ProxyNode node =
                          registry
                              .connection(given.id())
                              .map(ProxyRegistry.Connection::node)
                              .orElse(given);
                      push(node, g);
                      // It may have gone while being translated, after its disconnection was
                      // handled: what was just installed for it goes too.
                      forgetIfGone(node);
                      pushThread.execute(this::logProblems);
                    }));
  }

  @Override
  public void disconnected(ProxyNode node) {
    LOG.info("proxy {} disconnected", node.id());
    pushThread.execute(() -> forgetIfGone(node));
  }

  /**
   * Drops a proxy's snapshot and problems unless it still has a stream (it may have reconnected).
   */
  private void forgetIfGone(ProxyNode node) {
    if (registry.connection(node.id()).isEmpty()) {
      cache.remove(node.id());
      lastPushes.remove(node.id());
    }
  }

  @Override
  public void close() {
    pushThread.shutdownNow();
    workers.shutdownNow();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }
}
