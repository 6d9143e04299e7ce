package io.telmesh.debug;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.type.matcher.v3.NodeMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StructMatcher;
import io.envoyproxy.envoy.type.matcher.v3.ValueMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * CSDS node matchers ({@code envoy.type.matcher.v3.NodeMatcher}): node id by string matcher (exact,
 * prefix, suffix, contains, RE2 regex, optionally ignoring case) and node metadata by path with
 * string, bool or presence matchers. Several matchers select a node if any matches (the CSDS
 * contract); none selects every node. Anything telmesh cannot evaluate is rejected, never silently
 * ignored.
 */
final class NodeMatchers {

  private NodeMatchers() {}

  static Predicate<Node> compile(List<NodeMatcher> matchers) throws InvalidMatcherException {
    if (matchers.isEmpty()) {
      return node -> true;
    }
    List<Predicate<Node>> any = new ArrayList<>();
    for (int i = 0; i < matchers.size(); i++) {
      any.add(compile(matchers.get(i), "node_matchers[" + i + "]"));
    }
    return node -> any.stream().anyMatch(m -> m.test(node));
  }

  private static Predicate<Node> compile(NodeMatcher matcher, String path)
      throws InvalidMatcherException {
    List<Predicate<Node>> all = new ArrayList<>();
    if (matcher.hasNodeId()) {
      Predicate<String> id = string(matcher.getNodeId(), path + ".node_id");
      all.add(node -> id.test(node.getId()));
    }
    for (int i = 0; i < matcher.getNodeMetadatasCount(); i++) {
      Predicate<Struct> metadata =
          struct(matcher.getNodeMetadatas(i), path + ".node_metadatas[" + i + "]");
      all.add(node -> metadata.test(node.getMetadata()));
    }
    if (all.isEmpty()) {
      throw new InvalidMatcherException(path + ": neither node_id nor node_metadatas is set");
    }
    return node -> all.stream().allMatch(m -> m.test(node));
  }

  static Predicate<String> string(StringMatcher matcher, String path)
      throws InvalidMatcherException {
    boolean ignoreCase = matcher.getIgnoreCase();
    return switch (matcher.getMatchPatternCase()) {
      case EXACT -> compare(matcher.getExact(), ignoreCase, String::equals);
      case PREFIX -> compare(matcher.getPrefix(), ignoreCase, String::startsWith);
      case SUFFIX -> compare(matcher.getSuffix(), ignoreCase, String::endsWith);
      case CONTAINS -> compare(matcher.getContains(), ignoreCase, String::contains);
      case SAFE_REGEX -> {
        try {
          Pattern pattern =
              Pattern.compile(
                  matcher.getSafeRegex().getRegex(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
          yield value -> pattern.matches(value);
        } catch (PatternSyntaxException e) {
          throw new InvalidMatcherException(path + ".safe_regex: " + e.getDescription());
        }
      }
      case CUSTOM ->
          throw new InvalidMatcherException(path + ": custom string matchers are not supported");
      case MATCHPATTERN_NOT_SET ->
          throw new InvalidMatcherException(path + ": no match pattern is set");
    };
  }

  private interface Comparison {
    boolean test(String value, String pattern);
  }

  private static Predicate<String> compare(
      String pattern, boolean ignoreCase, Comparison comparison) {
    if (!ignoreCase) {
      return value -> comparison.test(value, pattern);
    }
    String lower = pattern.toLowerCase(Locale.ROOT);
    return value -> comparison.test(value.toLowerCase(Locale.ROOT), lower);
  }

  private static Predicate<Struct> struct(StructMatcher matcher, String path)
      throws InvalidMatcherException {
    if (matcher.getPathCount() == 0) {
      throw new InvalidMatcherException(path + ".path: at least one path segment is required");
    }
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < matcher.getPathCount(); i++) {
      if (matcher.getPath(i).getKey().isEmpty()) {
        throw new InvalidMatcherException(
            path + ".path[" + i + "]: only key segments are supported");
      }
      keys.add(matcher.getPath(i).getKey());
    }
    Predicate<Value> value = value(matcher.getValue(), path + ".value");
    return metadata -> {
      Value current = Value.newBuilder().setStructValue(metadata).build();
      for (String key : keys) {
        if (current.getKindCase() != Value.KindCase.STRUCT_VALUE
            || !current.getStructValue().containsFields(key)) {
          return value.test(null);
        }
        current = current.getStructValue().getFieldsOrThrow(key);
      }
      return value.test(current);
    };
  }

  private static Predicate<Value> value(ValueMatcher matcher, String path)
      throws InvalidMatcherException {
    return switch (matcher.getMatchPatternCase()) {
      case STRING_MATCH -> {
        Predicate<String> string = string(matcher.getStringMatch(), path + ".string_match");
        yield v ->
            v != null
                && v.getKindCase() == Value.KindCase.STRING_VALUE
                && string.test(v.getStringValue());
      }
      case BOOL_MATCH ->
          v ->
              v != null
                  && v.getKindCase() == Value.KindCase.BOOL_VALUE
                  && v.getBoolValue() == matcher.getBoolMatch();
      case PRESENT_MATCH -> v -> (v != null) == matcher.getPresentMatch();
      default ->
          throw new InvalidMatcherException(
              path + ": only string_match, bool_match and present_match are supported");
    };
  }
}
