package io.telmesh.kube;

import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import java.util.ArrayList;
import java.util.List;

/** Collects the problems found while reading one set of objects. Not shared across threads. */
public final class ProblemSink {

  private final List<Problem> problems = new ArrayList<>();

  public void add(ObjectRef object, String field, String reason) {
    problems.add(Problem.of(object, field, reason));
  }

  public void add(Problem problem) {
    problems.add(problem);
  }

  public List<Problem> problems() {
    return List.copyOf(problems);
  }
}
