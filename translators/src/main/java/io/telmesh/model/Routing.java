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

  /** Whether some http match names the clients it is for ({@code sourceLabels}). */
  public boolean usesSourceLabels() {
    return rules.stream()
            .flatMap(r -> r.matches().stream())
            .anyMatch(m -> !m.sourceLabels().isEmpty())
        || tcp.stream()
            .flatMap(r -> r.matches().stream())
            .anyMatch(m -> !m.sourceLabels().isEmpty());
  }

  /**
   * The routes a client with these labels gets, as istiod builds them per proxy: a match naming
   * source labels the client lacks is dropped, and a rule left without matches is dropped whole (it
   * never widens into "every request").
   */
  public Routing forClient(Map<String, String> labels) {
    if (!usesSourceLabels()) {
      return this;
    }
    List<HttpRule> kept = new java.util.ArrayList<>();
    for (HttpRule rule : rules) {
      if (rule.matches().isEmpty()) {
        kept.add(rule);
        continue;
      }
      List<HttpMatch> matches =
          rule.matches().stream().filter(m -> m.selectsClient(labels)).toList();
      if (!matches.isEmpty()) {
        kept.add(rule.withMatches(matches));
      }
    }
    List<TcpRule> keptTcp = new java.util.ArrayList<>();
    for (TcpRule tcpRule : tcp) {
      if (tcpRule.matches().isEmpty()) {
        keptTcp.add(tcpRule);
        continue;
      }
      List<TcpMatch> matches =
          tcpRule.matches().stream().filter(m -> m.selectsClient(labels)).toList();
      if (!matches.isEmpty()) {
        keptTcp.add(tcpRule.withMatches(matches));
      }
    }
    return new Routing(rule, kept, keptTcp);
  }

  /**
   * The first tcp rule for this Service port on a listener bound to these addresses, as Envoy would
   * pick it (istiod keeps the order): a match with {@code destinationSubnets} applies where one of
   * them lies in a subnet, as Envoy would match the connection's destination there.
   */
  public Optional<TcpRule> tcpFor(int port, List<IpAddress> addresses) {
    return tcp.stream().filter(r -> r.appliesTo(port, addresses)).findFirst();
  }

  /** One {@code tcp} entry: its matches (none: every port and client), and where it sends. */
  public record TcpRule(List<TcpMatch> matches, List<WeightedDestination> destinations) {

    public TcpRule {
      matches = List.copyOf(matches);
      destinations = List.copyOf(destinations);
    }

    /** The Service ports it matches; empty: all. */
    public List<Integer> ports() {
      return matches.stream().map(TcpMatch::port).distinct().toList();
    }

    public boolean appliesTo(int port) {
      return matches.isEmpty() || matches.stream().anyMatch(m -> m.port() == port);
    }

    public boolean appliesTo(int port, List<IpAddress> addresses) {
      return matches.isEmpty()
          || matches.stream().anyMatch(m -> m.port() == port && m.reaches(addresses));
    }

    public TcpRule withMatches(List<TcpMatch> kept) {
      return new TcpRule(kept, destinations);
    }
  }

  /**
   * One {@code tcp} {@code match} entry: the Service port, the labels a client must carry for the
   * match to be in its config ({@code sourceLabels}; empty: every client), and the subnets the
   * destination must lie in ({@code destinationSubnets}, canonical CIDRs; empty: any).
   */
  public record TcpMatch(
      int port, Map<String, String> sourceLabels, List<String> destinationSubnets) {
    public TcpMatch {
      sourceLabels =
          java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(sourceLabels));
      destinationSubnets = List.copyOf(destinationSubnets);
    }

    /** Whether connections to one of these addresses meet {@code destinationSubnets}. */
    public boolean reaches(List<IpAddress> addresses) {
      return destinationSubnets.isEmpty()
          || addresses.stream().anyMatch(a -> destinationSubnets.stream().anyMatch(a::within));
    }

    public boolean selectsClient(Map<String, String> labels) {
      return LabelSelector.matches(sourceLabels, labels);
    }
  }

  /**
   * One {@code http} entry: its matches (none: everything), where it sends, and how.
   *
   * @param headers the rule's own header operations (each destination may add its own)
   */
  public record HttpRule(
      String name,
      List<HttpMatch> matches,
      List<WeightedDestination> destinations,
      Optional<Duration> timeout,
      Optional<Retries> retries,
      Optional<Rewrite> rewrite,
      Optional<Fault> fault,
      HeaderOperations headers) {

    public HttpRule {
      matches = List.copyOf(matches);
      destinations = List.copyOf(destinations);
    }

    /** The same rule with fewer matches (those a client qualifies for). */
    public HttpRule withMatches(List<HttpMatch> kept) {
      return new HttpRule(name, kept, destinations, timeout, retries, rewrite, fault, headers);
    }

    /** The same rule sending to other destinations (resolved ones). */
    public HttpRule withDestinations(List<WeightedDestination> resolved) {
      return new HttpRule(name, matches, resolved, timeout, retries, rewrite, fault, headers);
    }

    /** Whether the rule may apply to requests arriving on this Service port. */
    public boolean appliesTo(int port) {
      return matches.isEmpty() || matches.stream().anyMatch(m -> m.port().orElse(port) == port);
    }
  }

  /** One {@code match} entry: all of its conditions must hold. */
  /**
   * One {@code match} entry.
   *
   * @param sourceLabels the labels a client must carry for the match to be in its routes (Envoy
   *     cannot see them; the match is left out of other clients' routes); empty: every client
   * @param queryParameters {@code queryParams}: conditions on the request's query parameters
   * @param withoutHeaders {@code withoutHeaders}: headers whose condition must not hold
   */
  public record HttpMatch(
      Optional<StringMatch> uri,
      Map<String, StringMatch> headers,
      OptionalInt port,
      Map<String, String> sourceLabels,
      Map<String, StringMatch> queryParameters,
      Map<String, StringMatch> withoutHeaders) {

    public HttpMatch {
      queryParameters =
          java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(queryParameters));
      withoutHeaders =
          java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(withoutHeaders));
      // Sorted, as istiod orders header matchers: Map.copyOf's order changes from run to run, and
      // with it the route configuration's bytes.
      headers = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(headers));
      sourceLabels =
          java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(sourceLabels));
    }

    /** A match for every client. */
    public HttpMatch(
        Optional<StringMatch> uri, Map<String, StringMatch> headers, OptionalInt port) {
      this(uri, headers, port, Map.of(), Map.of(), Map.of());
    }

    public boolean selectsClient(Map<String, String> labels) {
      return LabelSelector.matches(sourceLabels, labels);
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
   * @param headers its own header operations (http routes only)
   */
  public record WeightedDestination(
      String fqdn,
      OptionalInt port,
      Optional<String> subset,
      int weight,
      HeaderOperations headers) {

    /** A destination with no header operations of its own (every tcp one). */
    public WeightedDestination(String fqdn, OptionalInt port, Optional<String> subset, int weight) {
      this(fqdn, port, subset, weight, HeaderOperations.NONE);
    }
  }

  /**
   * {@code rewrite}: at most one of a prefix and a regex rewrite of the path, and the authority.
   */
  public record Rewrite(
      Optional<String> uriPrefix, Optional<RegexRewrite> uriRegex, Optional<String> authority) {}

  /** {@code uriRegexRewrite}: an RE2 regex (already checked) and its substitution. */
  public record RegexRewrite(String match, String rewrite) {}

  /** {@code fault}: a delay, an abort, or both, each on a share of requests. */
  public record Fault(Optional<Delay> delay, Optional<Abort> abort) {}

  /** {@code fault.delay} with a {@code fixedDelay}. */
  public record Delay(Duration fixedDelay, Share share) {}

  /**
   * {@code fault.abort}.
   *
   * @param share empty leaves Envoy's default (none), as istiod does without a percentage
   */
  public record Abort(AbortKind kind, int status, Optional<Share> share) {}

  /** What an abort answers with. */
  public enum AbortKind {
    HTTP,
    GRPC
  }

  /**
   * A share of requests as Envoy's FractionalPercent: {@code percentage} in millionths, as istiod
   * converts it, or the deprecated integer {@code percent} in hundredths.
   */
  public record Share(long numerator, boolean perMillion) {}

  /**
   * {@code headers}: what to set (overwrite), add (append) and remove, on requests and on
   * responses, set and add each sorted by name as istiod writes them. A request authority set here
   * is a rewrite of the authority instead.
   */
  public record HeaderOperations(
      Map<String, String> requestSet,
      Map<String, String> requestAdd,
      List<String> requestRemove,
      Map<String, String> responseSet,
      Map<String, String> responseAdd,
      List<String> responseRemove,
      Optional<String> authority) {

    public static final HeaderOperations NONE =
        new HeaderOperations(
            Map.of(), Map.of(), List.of(), Map.of(), Map.of(), List.of(), Optional.empty());

    public HeaderOperations {
      requestSet = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(requestSet));
      requestAdd = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(requestAdd));
      requestRemove = List.copyOf(requestRemove);
      responseSet =
          java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(responseSet));
      responseAdd =
          java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(responseAdd));
      responseRemove = List.copyOf(responseRemove);
    }
  }

  /** {@code retries}. */
  public record Retries(int attempts, Optional<Duration> perTryTimeout, Optional<String> retryOn) {}
}
