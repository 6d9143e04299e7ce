package io.telmesh.cli;

import com.google.common.collect.ImmutableSet;
import com.google.common.collect.Sets;
import io.telmesh.envoy.ConfigDumps.Kind;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** {@code --type} and {@code -o}: which part of a proxy's config dump, printed how. */
final class DumpOptions {

  /** The parts a user can ask for, as they type them. */
  enum Part {
    listeners(Kind.LISTENERS),
    clusters(Kind.CLUSTERS),
    routes(Kind.ROUTES),
    endpoints(Kind.ENDPOINTS),
    all;

    private final ImmutableSet<Kind> kinds;

    /** No kinds: every kind. */
    Part(Kind... kinds) {
      this.kinds =
          Sets.immutableEnumSet(kinds.length == 0 ? EnumSet.allOf(Kind.class) : List.of(kinds));
    }
  }

  @Option(
      names = "--type",
      defaultValue = "all",
      description = "listeners, clusters, routes, endpoints or all (default: ${DEFAULT-VALUE}).")
  Part part;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "json",
      description = "json or yaml (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  Set<Kind> kinds() {
    return part.kinds;
  }

  /** Whether a per-type dump (by its type URL inside a ConfigDump) was asked for. */
  boolean includes(String dumpTypeUrl) {
    return part.kinds.stream().anyMatch(k -> k.dumpTypeUrl().equals(dumpTypeUrl));
  }
}
