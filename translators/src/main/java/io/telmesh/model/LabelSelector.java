package io.telmesh.model;

import java.util.Map;

/** Kubernetes' equality-based selection, as Services, subsets, Sidecars and matches use it. */
public final class LabelSelector {

  private LabelSelector() {}

  /** Whether the labels carry every key of the selector with its value (an empty one: yes). */
  public static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }
}
