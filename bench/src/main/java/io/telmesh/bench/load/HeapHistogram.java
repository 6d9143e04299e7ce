package io.telmesh.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A process's live-object histogram (jcmd's {@code GC.class_histogram}, which collects first), by
 * class: two of them, one proxy apart from many, say what a connected proxy's heap is made of.
 */
record HeapHistogram(Map<String, Long> bytes, Map<String, Long> instances) {

  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

  static HeapHistogram of(long pid) throws IOException {
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    Map<String, Long> bytes = new HashMap<>();
    Map<String, Long> instances = new HashMap<>();
    new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .lines()
        .map(ROW::matcher)
        .filter(Matcher::matches)
        .forEach(
            m -> {
              instances.merge(m.group(3), Long.parseLong(m.group(1)), Long::sum);
              bytes.merge(m.group(3), Long.parseLong(m.group(2)), Long::sum);
            });
    return new HeapHistogram(bytes, instances);
  }

  /** The classes that grew most from {@code before}, per unit of {@code per} (proxies), as rows. */
  String growthSince(HeapHistogram before, int per, int rows) {
    StringBuilder out = new StringBuilder("| class | bytes per proxy | instances per proxy |\n");
    out.append("|---|---|---|\n");
    bytes.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.bytes.getOrDefault(e.getKey(), 0L)))
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(rows)
        .forEach(
            e -> {
              long count =
                  instances.getOrDefault(e.getKey(), 0L)
                      - before.instances.getOrDefault(e.getKey(), 0L);
              out.append(
                  String.format(
                      "| %s | %.0f | %.1f |%n",
                      e.getKey(), e.getValue() / (double) per, count / (double) per));
            });
    return out.toString();
  }
}
