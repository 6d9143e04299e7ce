package io.telmesh.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A VirtualService's routes for one Service host, bound to the mesh (sidecars), as far as telmesh
 * applies them; validated, destinations resolved to Service fqdns.
 *
 * @param rule the VirtualService it came from
 * @param rules its {@code http} rules, in order
 * @param tcp its {@code tcp} rules, in order
 */
public record Routing(NamespacedName rule, List<HttpRule> rules, List<TcpRule> tcp) {

  public Routing {
    rules = List.copyOf(rules);
    tcp = List.copyOf(tcp);
  }

  /** The first tcp rule for this Service port, as Envoy would pick it: istiod keeps the order. */
  public Optional<TcpRule> tcpFor(int port) {
    return tcp.stream().filter(r -> r.appliesTo(port)).findFirst();
  }

  /** One {@code tcp} entry: the Service ports it matches (none: all), and where it sends. */
  public record TcpRule(List<Integer> ports, List<WeightedDestination> destinations) {

    public TcpRule {
      ports = List.copyOf(ports);
      destinations = List.copyOf(destinations);
    }

    public boolean appliesTo(int port) {
      return ports.isEmpty() || ports.contains(port);
    }
  }

  /** One {@code http} entry: its matches (none: everything), where it sends, and how. */
  public record HttpRule(
      String name,
      List<HttpMatch> matches,
      List<WeightedDestination> destinations,
      Optional<Duration> timeout,
      Optional<Retries> retries) {

    public HttpRule {
      matches = List.copyOf(matches);
      destinations = List.copyOf(destinations);
    }

    /** Whether the rule may apply to requests arriving on this Service port. */
    public boolean appliesTo(int port) {
      return matches.isEmpty() || matches.stream().anyMatch(m -> m.port().orElse(port) == port);
    }
  }

  /** One {@code match} entry: all of its conditions must hold. */
  public record HttpMatch(
      Optional<StringMatch> uri, Map<String, StringMatch> headers, OptionalInt port) {

    public HttpMatch {
      headers = Map.copyOf(new java.util.TreeMap<>(headers));
    }
  }

  /**
   * An exact, prefix or RE2 regex string condition (a regex already checked to be one Envoy takes),
   * or, for a header, its presence (Istio's {@code regex: "*"}).
   */
  public record StringMatch(Kind kind, String value) {
    public enum Kind {
      EXACT,
      PREFIX,
      REGEX,
      PRESENT
    }
  }

  /**
   * A {@code route} entry.
   *
   * @param port the destination port; empty means the port the request came in on
   */
  public record WeightedDestination(
      String fqdn, OptionalInt port, Optional<String> subset, int weight) {}

  /** {@code retries}. */
  public record Retries(int attempts, Optional<Duration> perTryTimeout, Optional<String> retryOn) {}
}
