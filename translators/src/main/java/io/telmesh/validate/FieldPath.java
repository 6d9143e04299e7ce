package io.telmesh.validate;

import java.util.Arrays;

/**
 * The path of the field being checked, kept as a stack during one walk and rendered only when a
 * violation is reported: walks visit thousands of fields and report almost none.
 */
final class FieldPath {

  private static final int NO_INDEX = -1;

  private String[] names = new String[16];
  private int[] indexes = new int[16];
  private Object[] keys = new Object[16];
  private int depth;

  void push(String name) {
    if (depth == names.length) {
      names = Arrays.copyOf(names, depth * 2);
      indexes = Arrays.copyOf(indexes, depth * 2);
      keys = Arrays.copyOf(keys, depth * 2);
    }
    names[depth] = name;
    indexes[depth] = NO_INDEX;
    keys[depth] = null;
    depth++;
  }

  /** Marks the top field as element {@code index} of a repeated field. */
  void index(int index) {
    indexes[depth - 1] = index;
  }

  /** Marks the top field as the entry {@code key} of a map field. */
  void key(Object key) {
    keys[depth - 1] = key;
  }

  void pop() {
    depth--;
    keys[depth] = null;
  }

  /** {@code filter_chains[2].filters[0].typed_config.stat_prefix}, {@code metadata["k"]}. */
  String render() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      if (i > 0) {
        out.append('.');
      }
      out.append(names[i]);
      if (keys[i] != null) {
        out.append('[');
        if (keys[i] instanceof String text) {
          out.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        } else {
          out.append(keys[i]);
        }
        out.append(']');
      } else if (indexes[i] != NO_INDEX) {
        out.append('[').append(indexes[i]).append(']');
      }
    }
    return out.toString();
  }
}
