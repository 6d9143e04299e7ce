package io.telmesh.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.telmesh.push.PushMetrics;
import io.telmesh.status.XdsEvents;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** telmesh's Prometheus metrics (Micrometer). */
public final class TelmeshMetrics implements PushMetrics, XdsEvents {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicInteger problems = new AtomicInteger();
  private final Timer meshTranslation;
  private final Timer proxyTranslation;
  private final Timer push;

  public TelmeshMetrics(IntSupplier connectedProxies, IntSupplier openStreams) {
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
    push =
        Timer.builder("telmesh_push")
            .description(
                "A push: from the end of the debounce window until every proxy's snapshot is installed")
            .publishPercentileHistogram()
            .register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void translatedMesh(Duration duration) {
    meshTranslation.record(duration);
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
    Counter.builder("telmesh_xds_pushes")
        .description("xDS responses sent, by type")
        .tag("type", type)
        .register(registry)
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
  public void converged(String type, Duration latency) {
    Timer.builder("telmesh_convergence")
        .description("From a source change to the proxy's ACK of the config carrying it, by type")
        .tag("type", type)
        .publishPercentileHistogram()
        .register(registry)
        .record(latency);
  }
}
