package io.telmesh.capture;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which rules of a payload a packet of one protocol can be matched by: rules in built-in chains,
 * and rules in the ISTIO_* chains such a packet can jump to, whose {@code -p} does not exclude it.
 */
final class ProtocolReach {

  private static final Set<String> BUILT_IN =
      Set.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");

  private record Rule(String table, String chain, List<String> words, String line) {}

  private ProtocolReach() {}

  /** {@code table: line} of every rule the protocol's packets can be matched by. */
  static List<String> rulesMatching(List<TableRules> tables, String protocol) {
    List<String> matching = new ArrayList<>();
    for (TableRules table : tables) {
      List<Rule> rules = new ArrayList<>();
      for (String line : table.lines()) {
        List<String> words = List.of(line.split(" "));
        if (words.get(0).equals("-A") || words.get(0).equals("-I")) {
          rules.add(new Rule(table.table(), words.get(1), words, line));
        }
      }
      Set<String> reachable = new HashSet<>(BUILT_IN);
      boolean grew = true;
      while (grew) {
        grew = false;
        for (Rule rule : rules) {
          if (reachable.contains(rule.chain()) && mayMatch(rule.words(), protocol)) {
            String target = target(rule.words());
            if (target.startsWith("ISTIO_") && reachable.add(target)) {
              grew = true;
            }
          }
        }
      }
      for (Rule rule : rules) {
        if (reachable.contains(rule.chain()) && mayMatch(rule.words(), protocol)) {
          matching.add(rule.table() + ": " + rule.line());
        }
      }
    }
    return matching;
  }

  static boolean mayMatch(List<String> words, String protocol) {
    int p = words.indexOf("-p");
    if (p < 0) {
      return true;
    }
    boolean negated = p > 0 && words.get(p - 1).equals("!");
    return words.get(p + 1).equals(protocol) != negated;
  }

  private static String target(List<String> words) {
    int j = words.indexOf("-j");
    return j >= 0 && j + 1 < words.size() ? words.get(j + 1) : "";
  }
}
