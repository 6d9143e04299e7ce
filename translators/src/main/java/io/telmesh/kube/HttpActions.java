package io.telmesh.kube;

import io.telmesh.model.Routing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * What a VirtualService http rule does to requests on their way, validated as Istio validates it
 * and as Envoy would take it: {@code rewrite}, {@code fault} and {@code headers} (the rule's and a
 * destination's). Each refusal is a problem naming the field.
 */
final class HttpActions {

  /** Istio's gRPC status names, by code. */
  private static final List<String> GRPC_STATUS =
      List.of(
          "OK",
          "CANCELLED",
          "UNKNOWN",
          "INVALID_ARGUMENT",
          "DEADLINE_EXCEEDED",
          "NOT_FOUND",
          "ALREADY_EXISTS",
          "PERMISSION_DENIED",
          "RESOURCE_EXHAUSTED",
          "FAILED_PRECONDITION",
          "ABORTED",
          "OUT_OF_RANGE",
          "UNIMPLEMENTED",
          "INTERNAL",
          "UNAVAILABLE",
          "DATA_LOSS",
          "UNAUTHENTICATED");

  private HttpActions() {}

  /** The state of a read: a value, nothing written, or refused (a problem already added). */
  record Read<T>(Optional<T> value, boolean refused) {
    static <T> Read<T> of(T value) {
      return new Read<>(Optional.of(value), false);
    }

    static <T> Read<T> absent() {
      return new Read<>(Optional.empty(), false);
    }

    static <T> Read<T> refusal() {
      return new Read<>(Optional.empty(), true);
    }
  }

  /**
   * {@code rewrite}, as Istio validates it: a uri prefix or a regex rewrite (not both), or an
   * authority, at least one of them.
   */
  static Read<Routing.Rewrite> rewrite(
      IstioObject object, JsonNode rewrite, String path, ProblemSink problems) {
    if (rewrite.isMissingNode() || rewrite.isNull()) {
      return Read.absent();
    }
    if (!rewrite.isObject()) {
      problems.add(object.ref(), path, "is not an object");
      return Read.refusal();
    }
    Optional<String> uri = text(object, rewrite, "uri", path, problems);
    Optional<String> authority = text(object, rewrite, "authority", path, problems);
    if ((rewrite.has("uri") && uri.isEmpty())
        || (rewrite.has("authority") && authority.isEmpty())) {
      return Read.refusal();
    }
    JsonNode regex = rewrite.path("uriRegexRewrite");
    Optional<Routing.RegexRewrite> uriRegex = Optional.empty();
    if (rewrite.has("uriRegexRewrite")) {
      if (uri.isPresent()) {
        problems.add(
            object.ref(), path, "may hold uri or uriRegexRewrite, not both (Istio's rule)");
        return Read.refusal();
      }
      String match = regex.path("match").asString("");
      String substitution = regex.path("rewrite").asString("");
      if (match.isEmpty()
          || substitution.isEmpty()
          || !ConsistentHashReader.isPrintable(substitution)) {
        problems.add(
            object.ref(),
            path + ".uriRegexRewrite",
            "needs both match and rewrite, as text (Istio's rule)");
        return Read.refusal();
      }
      Optional<String> refusal = Re2Check.refusal(match);
      if (refusal.isPresent()) {
        problems.add(
            object.ref(), path + ".uriRegexRewrite.match", refusal.get() + ": never sent to Envoy");
        return Read.refusal();
      }
      uriRegex = Optional.of(new Routing.RegexRewrite(match, substitution));
    }
    if (uri.isEmpty() && uriRegex.isEmpty() && authority.isEmpty()) {
      problems.add(object.ref(), path, "needs uri, uriRegexRewrite or authority (Istio's rule)");
      return Read.refusal();
    }
    return Read.of(new Routing.Rewrite(uri, uriRegex, authority));
  }

  /** A non-empty text field without control characters; empty (with a problem) otherwise. */
  private static Optional<String> text(
      IstioObject object, JsonNode parent, String field, String path, ProblemSink problems) {
    JsonNode value = parent.path(field);
    if (value.isMissingNode()) {
      return Optional.empty();
    }
    if (!value.isString()
        || value.stringValue().isEmpty()
        || !ConsistentHashReader.isPrintable(value.stringValue())) {
      problems.add(
          object.ref(), path + "." + field, "is not a non-empty text without control characters");
      return Optional.empty();
    }
    return Optional.of(value.stringValue());
  }

  /**
   * {@code fault}, as Istio validates it: a fixed delay (at least 1 ms) and an HTTP (200–599) or
   * gRPC abort, each on a percentage of 0 or 0.0001–100.
   */
  static Read<Routing.Fault> fault(
      IstioObject object, JsonNode fault, String path, ProblemSink problems) {
    if (fault.isMissingNode() || fault.isNull()) {
      return Read.absent();
    }
    if (!fault.isObject() || (!fault.has("delay") && !fault.has("abort"))) {
      problems.add(object.ref(), path, "needs an abort, a delay or both (Istio's rule)");
      return Read.refusal();
    }
    Optional<Routing.Delay> delay = Optional.empty();
    if (fault.has("delay")) {
      JsonNode node = fault.path("delay");
      String at = path + ".delay";
      if (node.has("exponentialDelay")) {
        problems.add(object.ref(), at + ".exponentialDelay", "is not supported (Istio's rule)");
        return Read.refusal();
      }
      if (!node.has("fixedDelay")) {
        problems.add(object.ref(), at + ".fixedDelay", "a fixedDelay is required");
        return Read.refusal();
      }
      Optional<Duration> fixed =
          object.duration(node.path("fixedDelay"), at + ".fixedDelay", problems);
      Optional<Routing.Share> share = share(object, node, at, problems);
      if (fixed.isEmpty() || share.isEmpty()) {
        return Read.refusal();
      }
      delay = Optional.of(new Routing.Delay(fixed.get(), share.get()));
    }
    Optional<Routing.Abort> abort = Optional.empty();
    if (fault.has("abort")) {
      JsonNode node = fault.path("abort");
      String at = path + ".abort";
      Optional<Routing.Share> share =
          node.has("percentage") ? share(object, node, at, problems) : Optional.empty();
      if (node.has("percentage") && share.isEmpty()) {
        return Read.refusal();
      }
      JsonNode http = node.path("httpStatus");
      JsonNode grpc = node.path("grpcStatus");
      if (node.has("httpStatus")) {
        // Istio lets 600 through; Envoy refuses it.
        if (!http.isIntegralNumber() || http.longValue() < 200 || http.longValue() > 599) {
          problems.add(object.ref(), at + ".httpStatus", "must be an HTTP status 200-599");
          return Read.refusal();
        }
        abort = Optional.of(new Routing.Abort(Routing.AbortKind.HTTP, http.intValue(), share));
      } else if (node.has("grpcStatus")) {
        int code = grpc.isString() ? GRPC_STATUS.indexOf(grpc.stringValue()) : -1;
        if (code < 0) {
          problems.add(
              object.ref(),
              at + ".grpcStatus",
              "\""
                  + NetworkStatusParser.printable(grpc.asString(""))
                  + "\" is not a gRPC status name such as UNAVAILABLE");
          return Read.refusal();
        }
        abort = Optional.of(new Routing.Abort(Routing.AbortKind.GRPC, code, share));
      } else {
        problems.add(
            object.ref(),
            at,
            node.has("http2Error")
                ? "http2Error aborts are not supported (Istio's rule)"
                : "needs httpStatus or grpcStatus");
        return Read.refusal();
      }
    }
    return Read.of(new Routing.Fault(delay, abort));
  }

  /**
   * {@code percentage.value} in millionths (istiod's conversion), else the deprecated integer
   * {@code percent}, else none of the requests (Istio's default).
   */
  private static Optional<Routing.Share> share(
      IstioObject object, JsonNode parent, String path, ProblemSink problems) {
    if (parent.has("percentage")) {
      JsonNode value = parent.path("percentage").path("value");
      double percent = value.isNumber() ? value.doubleValue() : -1;
      if (!value.isNumber() || percent < 0 || percent > 100 || (percent > 0 && percent < 0.0001)) {
        problems.add(
            object.ref(),
            path + ".percentage.value",
            "must be 0 or between 0.0001 and 100 (Istio's rule)");
        return Optional.empty();
      }
      return Optional.of(new Routing.Share((long) (percent * 10_000), true));
    }
    JsonNode percent = parent.path("percent");
    if (percent.isMissingNode()) {
      return Optional.of(new Routing.Share(0, false));
    }
    if (!percent.isIntegralNumber() || percent.longValue() < 0 || percent.longValue() > 100) {
      problems.add(object.ref(), path + ".percent", "must be a whole number 0-100");
      return Optional.empty();
    }
    return Optional.of(new Routing.Share(percent.longValue(), false));
  }

  /**
   * {@code headers}, as Istio validates them: names that are not pseudo-headers (a request's {@code
   * :authority} or {@code host} is a rewrite of the authority instead, once), and values Envoy
   * takes as they are. A bad entry is a problem and left out; the others still apply.
   */
  static Routing.HeaderOperations headers(
      IstioObject object, JsonNode headers, String path, ProblemSink problems) {
    if (headers.isMissingNode() || headers.isNull()) {
      return Routing.HeaderOperations.NONE;
    }
    if (!headers.isObject()) {
      problems.add(object.ref(), path, "is not an object: left out");
      return Routing.HeaderOperations.NONE;
    }
    JsonNode request = headers.path("request");
    JsonNode response = headers.path("response");
    List<String> authorities = new ArrayList<>();
    Map<String, String> requestSet =
        values(object, request.path("set"), path + ".request.set", true, authorities, problems);
    Map<String, String> requestAdd =
        values(object, request.path("add"), path + ".request.add", true, authorities, problems);
    if (authorities.size() > 1) {
      problems.add(
          object.ref(),
          path + ".request",
          "sets the authority more than once (Istio's rule): the first (set before add) is used");
    }
    return new Routing.HeaderOperations(
        requestSet,
        requestAdd,
        names(object, request.path("remove"), path + ".request.remove", problems),
        values(object, response.path("set"), path + ".response.set", false, authorities, problems),
        values(object, response.path("add"), path + ".response.add", false, authorities, problems),
        names(object, response.path("remove"), path + ".response.remove", problems),
        authorities.stream().findFirst());
  }

  /** A name-to-value map; a request's authority goes to {@code authorities}. */
  private static Map<String, String> values(
      IstioObject object,
      JsonNode map,
      String path,
      boolean request,
      List<String> authorities,
      ProblemSink problems) {
    Map<String, String> values = new TreeMap<>();
    if (map.isMissingNode() || map.isNull()) {
      return values;
    }
    if (!map.isObject()) {
      problems.add(object.ref(), path, "is not a map of header names to values: left out");
      return values;
    }
    for (Map.Entry<String, JsonNode> entry : map.properties()) {
      String name = entry.getKey();
      String at = path + "." + name;
      JsonNode value = entry.getValue();
      String lower = name.toLowerCase(Locale.ROOT);
      if (request && (lower.equals(":authority") || lower.equals("host"))) {
        if (!value.isString() || !isHeaderValue(value.stringValue())) {
          problems.add(object.ref(), at, "is not a host name value: left out");
        } else {
          authorities.add(value.stringValue());
        }
        continue;
      }
      Optional<String> refusal = nameRefusal(name);
      if (refusal.isPresent()) {
        problems.add(object.ref(), at, refusal.get() + ": left out");
        continue;
      }
      if (!value.isString() || !isHeaderValue(value.stringValue())) {
        problems.add(
            object.ref(),
            at,
            "is not a header value telmesh sends as it is (text without control characters; %"
                + " only as %%, Envoy's format variables are not applied): left out");
        continue;
      }
      values.put(name, value.stringValue());
    }
    return values;
  }

  private static List<String> names(
      IstioObject object, JsonNode list, String path, ProblemSink problems) {
    List<String> names = new ArrayList<>();
    if (list.isMissingNode() || list.isNull()) {
      return names;
    }
    if (!list.isArray()) {
      problems.add(object.ref(), path, "is not a list of header names: left out");
      return names;
    }
    for (int i = 0; i < list.size(); i++) {
      String name = list.get(i).asString("");
      Optional<String> refusal = nameRefusal(name);
      if (refusal.isPresent()) {
        problems.add(object.ref(), path + "[" + i + "]", refusal.get() + ": left out");
        continue;
      }
      names.add(name);
    }
    return names;
  }

  /** Why Envoy would refuse to touch this header, or empty. */
  private static Optional<String> nameRefusal(String name) {
    if (name.startsWith(":") || name.equalsIgnoreCase("host")) {
      return Optional.of("\"" + NetworkStatusParser.printable(name) + "\" may not be changed");
    }
    if (!ConsistentHashReader.isToken(name)) {
      return Optional.of("\"" + NetworkStatusParser.printable(name) + "\" is not a header name");
    }
    return Optional.empty();
  }

  /**
   * A value Envoy sends as written: no control characters, and {@code %} only escaped as {@code %%}
   * (an unescaped one starts a format variable, which Envoy refuses unless it knows it).
   */
  static boolean isHeaderValue(String value) {
    if (value.length() > 16384
        || value.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f)) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) == '%') {
        if (i + 1 >= value.length() || value.charAt(i + 1) != '%') {
          return false;
        }
        i++;
      }
    }
    return true;
  }
}
