package io.telmesh.bench.load;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * What the server's push-stage timers recorded between a mark and now: count, mean and p99 per
 * stage, p99 read off the timers' percentile-histogram buckets (so it is a bucket's upper bound,
 * within Micrometer's bucket spacing of the true value). The timers count from the server's start;
 * only the difference between two snapshots belongs to the window.
 */
final class StageWindow {

  /** Stage label → meter name and {@code type} tag (null: untagged), in pipeline order. */
  static final Map<String, String[]> STAGES = stages();

  private final MeterRegistry registry;
  private final Map<String, HistogramSnapshot> marked = new LinkedHashMap<>();

  StageWindow(MeterRegistry registry) {
    this.registry = registry;
  }

  private static Map<String, String[]> stages() {
    Map<String, String[]> stages = new LinkedHashMap<>();
    stages.put("debounce", new String[] {"telmesh_push_debounce", null});
    stages.put("mesh+shared", new String[] {"telmesh_translation_mesh", null});
    stages.put("proxy queue", new String[] {"telmesh_push_proxy_queue", null});
    stages.put("proxy translation", new String[] {"telmesh_translation_proxy", null});
    stages.put("stream queue", new String[] {"telmesh_xds_stream_queue", null});
    stages.put("change→EDS sent", new String[] {"telmesh_push_sent", "EDS"});
    stages.put("change→EDS ACK", new String[] {"telmesh_convergence", "EDS"});
    return stages;
  }

  void mark() {
    marked.clear();
    STAGES.forEach((label, meter) -> marked.put(label, snapshot(meter)));
  }

  /** One line: per stage {@code label n=N mean=… p99=…} over the window, in milliseconds. */
  String since() {
    StringJoiner line = new StringJoiner("; ");
    STAGES.forEach(
        (label, meter) -> {
          HistogramSnapshot before = marked.get(label);
          HistogramSnapshot now = snapshot(meter);
          long count = now.count() - (before == null ? 0 : before.count());
          if (count == 0) {
            line.add(label + " n=0");
            return;
          }
          double total =
              now.total(TimeUnit.MILLISECONDS)
                  - (before == null ? 0 : before.total(TimeUnit.MILLISECONDS));
          line.add(
              String.format(
                  "%s n=%d mean=%.1f p99≤%.1f ms",
                  label, count, total / count, p99(before, now, count)));
        });
    return line.toString();
  }

  private HistogramSnapshot snapshot(String[] meter) {
    var search = registry.find(meter[0]);
    Timer timer = (meter[1] == null ? search : search.tag("type", meter[1])).timer();
    return timer == null ? HistogramSnapshot.empty(0, 0, 0) : timer.takeSnapshot();
  }

  /** The upper bound of the bucket holding the window's 99th percentile, in milliseconds. */
  private static double p99(HistogramSnapshot before, HistogramSnapshot now, long count) {
    List<long[]> perBucket = perBucket(now);
    Map<Long, Long> earlier = new LinkedHashMap<>();
    if (before != null) {
      for (long[] bucket : perBucket(before)) {
        earlier.put(bucket[0], bucket[1]);
      }
    }
    long rank = (long) Math.ceil(count * 0.99);
    long seen = 0;
    for (long[] bucket : perBucket) {
      seen += bucket[1] - earlier.getOrDefault(bucket[0], 0L);
      if (seen >= rank) {
        return bucket[0] / 1e6;
      }
    }
    return Double.NaN; // beyond the last bucket
  }

  /**
   * {bucket upper bound in ns, count in that bucket}. Prometheus histograms are cumulative (each
   * bucket counts everything at or below it); this undoes that when the counts say so.
   */
  private static List<long[]> perBucket(HistogramSnapshot snapshot) {
    CountAtBucket[] buckets = snapshot.histogramCounts();
    boolean cumulative = buckets.length > 0;
    for (int i = 1; i < buckets.length && cumulative; i++) {
      cumulative = buckets[i].count() >= buckets[i - 1].count();
    }
    cumulative =
        cumulative
            && buckets.length > 0
            && (long) buckets[buckets.length - 1].count() == snapshot.count();
    long previous = 0;
    List<long[]> result = new java.util.ArrayList<>();
    for (CountAtBucket bucket : buckets) {
      long count = (long) bucket.count();
      result.add(new long[] {(long) bucket.bucket(), cumulative ? count - previous : count});
      previous = count;
    }
    return result;
  }
}
