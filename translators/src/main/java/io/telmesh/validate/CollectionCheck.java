package io.telmesh.validate;

import io.envoyproxy.pgv.validate.Validate.MapRules;
import io.envoyproxy.pgv.validate.Validate.RepeatedRules;

/**
 * The rules on a whole repeated or map field: item or pair counts ({@code min_items}, {@code
 * max_pairs}, …); {@code unique} is checked per item by the walk.
 *
 * @param rule {@code repeated} or {@code map}
 */
record CollectionCheck(
    String rule,
    String minName,
    long min,
    String maxName,
    long max,
    boolean unique,
    boolean ignoreEmpty) {

  static CollectionCheck of(RepeatedRules rules) {
    return new CollectionCheck(
        "repeated",
        "min_items",
        rules.hasMinItems() ? rules.getMinItems() : -1,
        "max_items",
        rules.hasMaxItems() ? rules.getMaxItems() : -1,
        rules.getUnique(),
        rules.getIgnoreEmpty());
  }

  static CollectionCheck of(MapRules rules) {
    return new CollectionCheck(
        "map",
        "min_pairs",
        rules.hasMinPairs() ? rules.getMinPairs() : -1,
        "max_pairs",
        rules.hasMaxPairs() ? rules.getMaxPairs() : -1,
        false,
        rules.getIgnoreEmpty());
  }

  boolean isEmpty() {
    return min < 0 && max < 0 && !unique;
  }

  /**
   * Checks the count; false when the field is empty and {@code ignore_empty} skips its other rules.
   */
  boolean checkCount(int count, Walk walk) {
    if (count == 0 && ignoreEmpty) {
      return false;
    }
    String unit = rule.equals("map") ? " entries" : " items";
    if (min >= 0 && count < min) {
      walk.report(rule + "." + minName, "must have at least " + min + unit + ", has " + count);
    }
    if (max >= 0 && count > max) {
      walk.report(rule + "." + maxName, "must have at most " + max + unit + ", has " + count);
    }
    return true;
  }
}
