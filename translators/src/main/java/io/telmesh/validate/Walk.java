package io.telmesh.validate;

import java.util.ArrayList;
import java.util.List;

/** The state of validating one resource: where the walk is, and what it found. */
final class Walk {

  private final String resourceType;
  private final String resourceName;
  private final FieldPath path = new FieldPath();
  private final List<Violation> violations = new ArrayList<>(0);

  Walk(String resourceType, String resourceName) {
    this.resourceType = resourceType;
    this.resourceName = resourceName;
  }

  FieldPath path() {
    return path;
  }

  void report(String rule, String message) {
    violations.add(new Violation(resourceType, resourceName, path.render(), rule, message));
  }

  List<Violation> violations() {
    return violations;
  }
}
