package io.telmesh.e2e.netns;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Packet counters of every rule in a namespace, from {@code iptables-save -c}. */
final class RuleCounters {

  record Counted(String table, long packets, String rule) {

    /** A rule in an ISTIO_* chain, or a jump into one. */
    boolean istio() {
      return rule.startsWith("-A ISTIO_") || rule.contains("-j ISTIO_");
    }

    @Override
    public String toString() {
      return table + " [" + packets + "] " + rule;
    }
  }

  private static final Pattern COUNTED = Pattern.compile("^\\[(\\d+):(\\d+)\\] (.*)$");

  private RuleCounters() {}

  static List<Counted> read(String namespace, String saveBinary) {
    String saved = Shell.ok(Shell.in(namespace, saveBinary, "-c").toArray(String[]::new));
    List<Counted> counted = new ArrayList<>();
    String table = "";
    for (String line : saved.lines().toList()) {
      if (line.startsWith("*")) {
        table = line.substring(1).strip();
        continue;
      }
      Matcher m = COUNTED.matcher(line);
      if (m.matches()) {
        counted.add(new Counted(table, Long.parseLong(m.group(1)), m.group(3)));
      }
    }
    return counted;
  }

  static void zero(String namespace) {
    for (String table : List.of("filter", "nat", "mangle", "raw")) {
      Shell.ok(Shell.in(namespace, "iptables", "-t", table, "-Z").toArray(String[]::new));
    }
  }
}
