package io.telmesh.mesh;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.telmesh.kube.ProblemSink;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.Problem;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The last reading of each object that had no problem, so that an object turning malformed (a
 * network-status annotation cut short, a NetworkAttachmentDefinition's config broken) keeps what it
 * served until it is fixed, as a manifest file does. Only the same object counts: a new UID (a pod
 * recreated under its name) or a deletion forgets the old reading. An object that never read
 * cleanly is served as it reads now.
 *
 * @param <O> what the reader makes of the object
 */
final class LastGoodReads<O> {

  private record Good<O>(String uid, O value, String resourceVersion) {}

  private final String kind;
  private Map<NamespacedName, Good<O>> good = new HashMap<>();
  private Map<NamespacedName, Good<O>> next = new HashMap<>();

  LastGoodReads(String kind) {
    this.kind = kind;
  }

  /**
   * What to serve for one object's reading this round: the reading itself when it had no problem
   * (it becomes the last good one), else the last good reading of the same object, with the
   * reading's problems and one saying so.
   */
  Optional<O> choose(
      HasMetadata object, Optional<O> read, List<Problem> readProblems, ProblemSink problems) {
    readProblems.forEach(problems::add);
    if (object.getMetadata() == null || object.getMetadata().getName() == null) {
      return read;
    }
    NamespacedName key =
        new NamespacedName(
            Objects.requireNonNullElse(object.getMetadata().getNamespace(), ""),
            object.getMetadata().getName());
    String uid = Objects.requireNonNullElse(object.getMetadata().getUid(), "");
    if (readProblems.isEmpty() && read.isPresent()) {
      next.put(
          key,
          new Good<>(
              uid,
              read.get(),
              Objects.requireNonNullElse(object.getMetadata().getResourceVersion(), "")));
      return read;
    }
    Good<O> last = good.get(key);
    if (last == null || !last.uid().equals(uid)) {
      return read;
    }
    next.put(key, last);
    problems.add(
        Problem.of(
            new io.telmesh.model.ObjectRef(kind, key.namespace(), key.name()),
            "",
            "serving its last reading without problems"
                + (last.resourceVersion().isEmpty()
                    ? ""
                    : " (resourceVersion " + last.resourceVersion() + ")")
                + " until it is fixed or deleted"));
    return Optional.of(last.value());
  }

  /** Ends a round: objects not seen in it are forgotten. */
  void roll() {
    good = next;
    next = new HashMap<>();
  }
}
