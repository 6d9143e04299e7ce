package io.telmesh.kube;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * Whether Envoy's RE2 would take a regex, decided before it is sent: a regex Envoy refuses makes it
 * reject the whole route configuration, every other route with it. re2j parses RE2's syntax (so
 * look-arounds and back-references fail, as in Envoy); on top of it come Istio's length cap, RE2's
 * own rule that nested counted repetitions multiply to at most 1000 (which re2j does not check),
 * and a conservative estimate of the compiled program's size against the limit telmesh's bootstrap
 * sets for Envoy (istiod's).
 */
final class Re2Check {

  /** Istio's cap, its stand-in for a program size it cannot compute. */
  static final int MAX_LENGTH = 1024;

  /** {@code re2.max_program_size.error_level} in the sidecar bootstrap, as istiod sets it. */
  static final long MAX_PROGRAM_SIZE = io.telmesh.envoy.RuntimeKeys.RE2_PROGRAM_LIMIT;

  /** RE2's {@code kMaxRepeat}: the largest product of nested counted repetitions. */
  static final long MAX_REPEAT = 1000;

  private Re2Check() {}

  /** Why Envoy would refuse the regex, or empty when it takes it. */
  static Optional<String> refusal(String regex) {
    if (regex.isEmpty()) {
      return Optional.of("an empty regex is not allowed (Istio's rule)");
    }
    if (regex.length() > MAX_LENGTH) {
      return Optional.of(
          "the regex is " + regex.length() + " characters long, more than Istio's " + MAX_LENGTH);
    }
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      return Optional.of(
          "is not an RE2 regex ("
              + NetworkStatusParser.printable(e.getDescription())
              + "); Envoy matches with RE2");
    }
    Estimate estimate = estimate(regex);
    if (estimate.repeat() > MAX_REPEAT) {
      return Optional.of(
          "nested counted repetitions multiply to "
              + estimate.repeat()
              + ", more than RE2's "
              + MAX_REPEAT);
    }
    if (estimate.size() > MAX_PROGRAM_SIZE) {
      return Optional.of(
          "the compiled regex would be larger than Envoy's RE2 program limit ("
              + MAX_PROGRAM_SIZE
              + " instructions)");
    }
    return Optional.empty();
  }

  /**
   * An upper estimate of RE2's program size, and the largest product of nested counted repetitions.
   * RE2 copies an atom once per count of {@code {n,m}}, and compiles Unicode classes into many
   * UTF-8 byte ranges; the weights below overstate both.
   */
  record Estimate(long size, long repeat) {}

  /** A class spanning most of Unicode ({@code .}, {@code [^/]}, {@code \W}): tens of ranges. */
  private static final long BROAD_CLASS = 30;

  /** A Unicode property ({@code \p{L}}): hundreds of byte ranges in RE2's program. */
  private static final long UNICODE_PROPERTY = 1000;

  /** One group being read: its size so far, its largest repeat product, its last atom's. */
  private static final class Frame {
    long size;
    long repeat = 1;
    long lastSize;
    long lastRepeat = 1;

    void atom(long size, long repeat) {
      lastSize = size;
      lastRepeat = repeat;
      this.size = saturatingAdd(this.size, size);
      this.repeat = Math.max(this.repeat, repeat);
    }
  }

  static Estimate estimate(String regex) {
    Deque<Frame> frames = new ArrayDeque<>();
    frames.push(new Frame());
    int i = 0;
    while (i < regex.length()) {
      char c = regex.charAt(i);
      Frame top = frames.peek();
      switch (c) {
        case '(' -> {
          frames.push(new Frame());
          i = skipGroupFlags(regex, i + 1);
          continue;
        }
        case ')' -> {
          Frame group = frames.pop();
          frames.peek().atom(saturatingAdd(group.size, 2), group.repeat);
        }
        case '|' -> top.size = saturatingAdd(top.size, 2);
        case '*', '+', '?' -> top.size = saturatingAdd(top.size, 2);
        case '{' -> {
          int end = regex.indexOf('}', i);
          long count = end < 0 ? -1 : count(regex.substring(i + 1, end));
          if (count < 0) {
            top.atom(1, 1);
          } else {
            // The atom is already counted once; RE2 makes count copies of it.
            long extra = saturatingMultiply(top.lastSize, Math.max(count - 1, 0));
            top.size = saturatingAdd(top.size, saturatingAdd(extra, 2));
            top.repeat = Math.max(top.repeat, saturatingMultiply(top.lastRepeat, count));
            top.lastRepeat = saturatingMultiply(top.lastRepeat, count);
            i = end + 1;
            continue;
          }
        }
        case '[' -> {
          int end = classEnd(regex, i);
          String body = regex.substring(i, end);
          top.atom(classWeight(body), 1);
          i = end;
          continue;
        }
        case '\\' -> {
          int end = escapeEnd(regex, i);
          String escape = regex.substring(i, end);
          top.atom(escapeWeight(escape), 1);
          i = end;
          continue;
        }
        case '.' -> top.atom(BROAD_CLASS, 1);
        case '^', '$' -> top.atom(1, 1);
        default -> top.atom(c < 0x80 ? 1 : 4, 1);
      }
      i++;
    }
    while (frames.size() > 1) {
      Frame group = frames.pop();
      frames.peek().atom(group.size, group.repeat);
    }
    Frame root = frames.peek();
    return new Estimate(root.size, root.repeat);
  }

  /** After {@code (}: past {@code ?:}, {@code ?i:}, {@code ?P<name>} and the like. */
  private static int skipGroupFlags(String regex, int i) {
    if (i >= regex.length() || regex.charAt(i) != '?') {
      return i;
    }
    int j = i + 1;
    if (j < regex.length() && (regex.charAt(j) == 'P' || regex.charAt(j) == '<')) {
      int close = regex.indexOf('>', j);
      return close < 0 ? j : close + 1;
    }
    while (j < regex.length() && regex.charAt(j) != ':' && regex.charAt(j) != ')') {
      j++;
    }
    // A bare flag group, (?i), closes at once: leave the ')' to pop an empty group.
    return j < regex.length() && regex.charAt(j) == ':' ? j + 1 : j;
  }

  /** {@code n}, {@code n,} or {@code n,m}: the larger bound, or -1 when it is not a repeat. */
  private static long count(String body) {
    if (!body.matches("\\d{1,4}(,\\d{0,4})?")) {
      return -1;
    }
    String[] parts = body.split(",", -1);
    long min = Long.parseLong(parts[0]);
    return parts.length == 2 && !parts[1].isEmpty() ? Long.parseLong(parts[1]) : min;
  }

  /** The index after the class starting at {@code start}. */
  private static int classEnd(String regex, int start) {
    int i = start + 1;
    if (i < regex.length() && regex.charAt(i) == '^') {
      i++;
    }
    if (i < regex.length() && regex.charAt(i) == ']') {
      i++;
    }
    while (i < regex.length() && regex.charAt(i) != ']') {
      if (regex.charAt(i) == '\\') {
        i = escapeEnd(regex, i);
      } else if (regex.startsWith("[:", i)) {
        int close = regex.indexOf(":]", i + 2);
        i = close < 0 ? i + 1 : close + 2;
      } else {
        i++;
      }
    }
    return Math.min(i + 1, regex.length());
  }

  /** The index after the escape starting at {@code start}. */
  private static int escapeEnd(String regex, int start) {
    int i = start + 1;
    if (i >= regex.length()) {
      return i;
    }
    char c = regex.charAt(i);
    if ((c == 'p' || c == 'P' || c == 'x') && i + 1 < regex.length()) {
      if (regex.charAt(i + 1) == '{') {
        int close = regex.indexOf('}', i + 1);
        return close < 0 ? i + 2 : close + 1;
      }
      return Math.min(c == 'x' ? i + 3 : i + 2, regex.length());
    }
    if (c == 'Q') {
      int close = regex.indexOf("\\E", i);
      return close < 0 ? regex.length() : close + 2;
    }
    if (c >= '0' && c <= '7') {
      int j = i;
      while (j < regex.length() && j < i + 3 && regex.charAt(j) >= '0' && regex.charAt(j) <= '7') {
        j++;
      }
      return j;
    }
    return i + 1;
  }

  private static long escapeWeight(String escape) {
    if (escape.length() < 2) {
      return 1;
    }
    return switch (escape.charAt(1)) {
      case 'p', 'P' -> UNICODE_PROPERTY;
      case 'D', 'W', 'S' -> BROAD_CLASS;
      case 'd', 'w', 's' -> 8;
      case 'Q' -> escape.length();
      default -> 2;
    };
  }

  private static long classWeight(String body) {
    long weight = 2L + body.length();
    if (body.contains("\\p") || body.contains("\\P")) {
      return saturatingAdd(weight, UNICODE_PROPERTY);
    }
    boolean broad =
        body.startsWith("[^")
            || body.contains("\\D")
            || body.contains("\\W")
            || body.contains("\\S")
            || body.chars().anyMatch(ch -> ch >= 0x80);
    return broad ? saturatingAdd(weight, BROAD_CLASS + 4L * body.length()) : weight;
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  private static long saturatingMultiply(long a, long b) {
    if (a == 0 || b == 0) {
      return 0;
    }
    return a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }
}
