package io.telmesh.capture;

import java.util.List;

/**
 * The {@code iptables-restore} lines of one table for one family: chain declarations ({@code -N})
 * then rules, without the {@code * table} header and {@code COMMIT}.
 */
public record TableRules(IpFamily family, String table, List<String> lines) {

  public TableRules {
    lines = List.copyOf(lines);
  }
}
