package io.telmesh.testing;

import io.envoyproxy.envoy.config.metrics.v3.TagSpecifier;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envoy's tag extraction for custom {@code stats_tags} with {@code use_all_default_tags: false}, as
 * its source does it (source/common/stats/tag_producer_impl.cc, tag_extractor_impl.{h,cc}):
 *
 * <ul>
 *   <li>an extractor whose regex starts with {@code ^word\.} (or {@code ^word$}) runs only on names
 *       whose first dot-separated token is {@code word}; the others run on every name, and before
 *       them; each group in the order given;
 *   <li>every extractor matches the original name (a custom regex is a std::regex used with
 *       regex_search: the leftmost match anywhere; java.util.regex {@code find()} for the
 *       constructs telmesh uses, which also compile as RE2);
 *   <li>group 1 is cut from the name; the value is group 2 when the regex has two groups (empty if
 *       it did not take part), else group 1;
 *   <li>when several extractors share a tag name, the first that matches gives the tag;
 *   <li>the cuts are merged and removed once, at the end.
 * </ul>
 */
public final class EnvoyTagExtraction {

  /** A stat after extraction: the tag-extracted name and the tags. */
  public record Extracted(String name, Map<String, String> tags) {

    /**
     * As /stats/prometheus names it: {@code envoy_} and the name with '.' (and the rest) as '_'.
     */
    public String prometheusName() {
      return "envoy_" + name.replaceAll("[^a-zA-Z0-9_]", "_");
    }
  }

  private record Extractor(String name, Pattern regex, String prefix) {}

  private final List<Extractor> withoutPrefix = new ArrayList<>();
  private final Map<String, List<Extractor>> byPrefix = new TreeMap<>();

  public EnvoyTagExtraction(List<TagSpecifier> tags) {
    for (TagSpecifier tag : tags) {
      String prefix = regexPrefix(tag.getRegex());
      Extractor extractor =
          new Extractor(tag.getTagName(), Pattern.compile(tag.getRegex()), prefix);
      if (prefix.isEmpty()) {
        withoutPrefix.add(extractor);
      } else {
        byPrefix.computeIfAbsent(prefix, p -> new ArrayList<>()).add(extractor);
      }
    }
  }

  /** Envoy's extractRegexPrefix. */
  public static String regexPrefix(String regex) {
    if (!regex.startsWith("^")) {
      return "";
    }
    for (int i = 1; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (!Character.isLetterOrDigit(c) && c != '_') {
        if (i > 1) {
          boolean last = i == regex.length() - 1;
          String rest = regex.substring(i);
          if ((!last && (rest.startsWith("\\.") || rest.startsWith("(?=\\.)")))
              || (last && c == '$')) {
            return regex.substring(1, i);
          }
        }
        return "";
      }
    }
    return "";
  }

  public Extracted extract(String stat) {
    List<Extractor> applicable = new ArrayList<>(withoutPrefix);
    int dot = stat.indexOf('.');
    if (dot >= 0) {
      applicable.addAll(byPrefix.getOrDefault(stat.substring(0, dot), List.of()));
    }
    Map<String, String> tags = new TreeMap<>();
    Set<String> taken = new HashSet<>();
    BitSet cut = new BitSet(stat.length());
    for (Extractor extractor : applicable) {
      if (taken.contains(extractor.name())) {
        continue;
      }
      Matcher match = extractor.regex().matcher(stat);
      if (!match.find() || match.groupCount() < 1) {
        continue;
      }
      String value =
          match.groupCount() >= 2 ? (match.group(2) == null ? "" : match.group(2)) : match.group(1);
      tags.put(extractor.name(), value == null ? "" : value);
      taken.add(extractor.name());
      if (match.start(1) >= 0) {
        cut.set(match.start(1), match.end(1));
      }
    }
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < stat.length(); i++) {
      if (!cut.get(i)) {
        name.append(stat.charAt(i));
      }
    }
    return new Extracted(name.toString(), tags);
  }
}
