package io.telmesh.capture;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A plan's rules for both families, laid out as Istio lays out its {@code iptables-restore} input:
 * tables in name order, each declaring its new chains (first those that get rules, in order of
 * their first rule; then chains that are only jumped to) before its rules in the order built.
 */
public record IptablesRules(List<TableRules> v4, List<TableRules> v6) {

  public static final IptablesRules EMPTY = new IptablesRules(List.of(), List.of());

  public IptablesRules {
    v4 = List.copyOf(v4);
    v6 = List.copyOf(v6);
  }

  public static IptablesRules of(List<IptablesRule> v4, List<IptablesRule> v6) {
    return new IptablesRules(layout(IpFamily.V4, v4), layout(IpFamily.V6, v6));
  }

  public List<TableRules> tables(IpFamily family) {
    return family == IpFamily.V4 ? v4 : v6;
  }

  public boolean isEmpty(IpFamily family) {
    return tables(family).isEmpty();
  }

  /** The text {@code iptables-restore --noflush} reads; empty when the family has no rules. */
  public String restorePayload(IpFamily family) {
    StringBuilder text = new StringBuilder();
    for (TableRules table : tables(family)) {
      text.append("* ").append(table.table()).append('\n');
      table.lines().forEach(line -> text.append(line).append('\n'));
      text.append("COMMIT\n");
    }
    return text.toString();
  }

  private static List<TableRules> layout(IpFamily family, List<IptablesRule> rules) {
    // Istio always knows filter, nat and mangle; any table is printed only when it has lines.
    Map<String, List<String>> lines = new TreeMap<>();
    Set<String> declared = new LinkedHashSet<>();
    for (IptablesRule rule : rules) {
      if (declared.add(rule.chain() + ":" + rule.table())
          && !IptablesRule.isBuiltIn(rule.chain())) {
        lines.computeIfAbsent(rule.table(), t -> new ArrayList<>()).add("-N " + rule.chain());
      }
    }
    for (IptablesRule rule : rules) {
      rule.jumpTarget()
          .ifPresent(
              target -> {
                if (declared.add(target + ":" + rule.table()) && !IptablesRule.isBuiltIn(target)) {
                  lines.computeIfAbsent(rule.table(), t -> new ArrayList<>()).add("-N " + target);
                }
              });
    }
    for (IptablesRule rule : rules) {
      lines.computeIfAbsent(rule.table(), t -> new ArrayList<>()).add(rule.line());
    }
    return lines.entrySet().stream()
        .map(e -> new TableRules(family, e.getKey(), e.getValue()))
        .toList();
  }
}
