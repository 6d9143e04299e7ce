package io.telmesh.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One {@code iptables-restore} rule: appended to, or inserted at a position in, a chain of a table.
 *
 * @param position 0 to append ({@code -A}), otherwise the {@code -I} position
 * @param spec the matches and target, e.g. {@code -p tcp -j ISTIO_INBOUND}
 */
public record IptablesRule(String table, String chain, int position, List<String> spec) {

  /** Chains and targets iptables has without {@code -N} (Istio's list). */
  static final Set<String> BUILT_IN =
      Set.of("INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING", "ACCEPT", "RETURN", "DROP");

  public IptablesRule {
    spec = List.copyOf(spec);
    if (position < 0) {
      throw new IllegalArgumentException("position " + position);
    }
  }

  /** The restore line: {@code -A CHAIN spec…} or {@code -I CHAIN n spec…}. */
  public List<String> words() {
    List<String> words = new ArrayList<>();
    if (position == 0) {
      words.add("-A");
      words.add(chain);
    } else {
      words.add("-I");
      words.add(chain);
      words.add(String.valueOf(position));
    }
    words.addAll(spec);
    return words;
  }

  public String line() {
    return String.join(" ", words());
  }

  /**
   * The chain this rule jumps to when {@code -j X} ends it. Like Istio, a target followed by
   * options ({@code -j REDIRECT --to-ports 15001}) is not a chain.
   */
  public Optional<String> jumpTarget() {
    List<String> words = words();
    int n = words.size();
    return n >= 2 && words.get(n - 2).equals("-j")
        ? Optional.of(words.get(n - 1))
        : Optional.empty();
  }

  public static boolean isBuiltIn(String chain) {
    return BUILT_IN.contains(chain);
  }
}
