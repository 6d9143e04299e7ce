package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.telmesh.envoy.Durations;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What every {@code networking.istio.io} reader starts from: the object's name, how problems name
 * it, and its spec as a tree; plus the checks Istio applies the same way to every kind.
 */
record IstioObject(NamespacedName key, ObjectRef ref, JsonNode spec, Instant created) {

  static final Set<String> API_VERSIONS =
      Set.of(
          "networking.istio.io/v1", "networking.istio.io/v1beta1", "networking.istio.io/v1alpha3");

  /** The kinds telmesh reads and applies. */
  static final Set<String> KINDS =
      Set.of(
          DestinationRuleReader.KIND,
          VirtualServiceReader.KIND,
          SidecarReader.KIND,
          ServiceEntryReader.KIND);

  /** Whether this is an Istio object of a kind telmesh applies. */
  static boolean isApplied(GenericKubernetesResource resource) {
    return KINDS.contains(resource.getKind()) && API_VERSIONS.contains(resource.getApiVersion());
  }

  static boolean is(GenericKubernetesResource resource, String kind) {
    return kind.equals(resource.getKind()) && API_VERSIONS.contains(resource.getApiVersion());
  }

  /** The object, or empty (a problem when it has a name but no spec). */
  static Optional<IstioObject> of(
      GenericKubernetesResource resource, String kind, ProblemSink problems) {
    Optional<ObjectMeta> maybeMeta = Meta.of(resource);
    if (maybeMeta.isEmpty()) {
      return Optional.empty();
    }
    ObjectMeta meta = maybeMeta.get();
    NamespacedName key = new NamespacedName(Meta.namespace(meta), meta.getName());
    ObjectRef ref = new ObjectRef(kind, key.namespace(), key.name());
    Object spec = Meta.spec(resource);
    if (!(spec instanceof Map<?, ?>)) {
      problems.add(ref, "spec", "no spec: the " + kind + " is ignored");
      return Optional.empty();
    }
    return Optional.of(new IstioObject(key, ref, Json.tree(spec), Meta.created(meta)));
  }

  /**
   * A map of labels used as a selector ({@code workloadSelector.labels}, {@code sourceLabels}, a
   * subset's {@code labels}), each entry a valid Kubernetes label. Nothing when one is not: the
   * problem names it and says what that costs ({@code consequence}), since a selector with an entry
   * dropped would select more than was written.
   */
  static Optional<java.util.SortedMap<String, String>> labels(
      ObjectRef ref, JsonNode node, String path, String consequence, ProblemSink problems) {
    java.util.SortedMap<String, String> labels = new java.util.TreeMap<>();
    for (Map.Entry<String, JsonNode> label : node.properties()) {
      String value = label.getValue().isString() ? label.getValue().stringValue() : null;
      if (!Syntax.isLabel(label.getKey(), value)) {
        problems.add(
            ref,
            path,
            "\""
                + NetworkStatusParser.printable(label.getKey())
                + "\" is not a valid label selector: "
                + consequence);
        return Optional.empty();
      }
      labels.put(label.getKey(), value);
    }
    return Optional.of(labels);
  }

  /**
   * {@code spec.exportTo} as Istio validates it: {@code *}, {@code .}, {@code ~} or namespace
   * names, each once, {@code ~} alone. A bad entry is a problem and left out; nothing left (or
   * nothing set) is every namespace.
   */
  io.telmesh.model.ExportTo exportTo(ProblemSink problems) {
    JsonNode node = spec.path("exportTo");
    if (node.isMissingNode() || node.isNull()) {
      return io.telmesh.model.ExportTo.PUBLIC;
    }
    java.util.List<String> entries = new java.util.ArrayList<>();
    for (int i = 0; i < node.size() && i < 1000; i++) {
      entries.add(node.get(i).asString(""));
    }
    return exportTo(ref, entries, i -> "spec.exportTo[" + i + "]", "spec.exportTo", problems);
  }

  /**
   * An export list as Istio validates it, wherever it is written ({@code spec.exportTo}, or a
   * Service's {@code networking.istio.io/exportTo} annotation).
   *
   * @param entryField the field an entry is reported under, by index
   */
  static io.telmesh.model.ExportTo exportTo(
      ObjectRef ref,
      java.util.List<String> given,
      java.util.function.IntFunction<String> entryField,
      String field,
      ProblemSink problems) {
    java.util.Set<String> entries = new java.util.TreeSet<>();
    for (int i = 0; i < given.size() && i < 1000; i++) {
      String entry = given.get(i);
      boolean valid =
          entry.equals("*") || entry.equals(".") || entry.equals("~") || Syntax.isDnsLabel(entry);
      if (!valid || !entries.add(entry)) {
        problems.add(
            ref,
            entryField.apply(i),
            "'"
                + NetworkStatusParser.printable(
                    entry.length() > 80 ? entry.substring(0, 80) : entry)
                + "' is not *, ., ~ or a namespace name, or is repeated: left out");
      }
    }
    if (entries.contains("~") && entries.size() > 1) {
      problems.add(ref, field, "~ (no namespace) cannot be combined: it applies alone");
      return new io.telmesh.model.ExportTo(Set.of("~"));
    }
    return entries.isEmpty()
        ? io.telmesh.model.ExportTo.PUBLIC
        : new io.telmesh.model.ExportTo(entries);
  }

  /**
   * A duration as Istio validates one: at least 1 ms, in whole milliseconds; anything else is a
   * problem and left out.
   */
  Optional<Duration> duration(JsonNode value, String path, ProblemSink problems) {
    if (value.isMissingNode() || value.isNull()) {
      return Optional.empty();
    }
    Optional<Duration> parsed =
        value.isString() ? Durations.parseGo(value.stringValue()) : Optional.empty();
    if (parsed.isEmpty()) {
      problems.add(ref, path, "is not a duration such as 30s or 100ms: left out");
      return Optional.empty();
    }
    Duration duration = parsed.get();
    if (duration.compareTo(Duration.ofMillis(1)) < 0 || duration.toNanosPart() % 1_000_000 != 0) {
      problems.add(
          ref, path, "must be at least 1ms, in whole milliseconds (Istio's rule): left out");
      return Optional.empty();
    }
    return parsed;
  }
}
