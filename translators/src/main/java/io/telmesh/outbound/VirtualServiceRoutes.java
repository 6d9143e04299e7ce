package io.telmesh.outbound;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.telmesh.envoy.Names;
import io.telmesh.envoy.NetworkFilters;
import io.telmesh.envoy.Protos;
import io.telmesh.envoy.RouteActions;
import io.telmesh.model.MeshService;
import io.telmesh.model.Routing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One VirtualService {@code http} rule and one of its matches as an Envoy route, in the shape
 * istiod gives it: path, prefix or safe_regex and header matchers, a cluster or weighted clusters
 * named as Istio names them ({@code outbound|<port>|<subset>|<host>}), timeout (none by default, as
 * istiod), the retry policy, rewrites, header operations (the rule's, and each destination's) and
 * fault injection (the fault filter's per-route config).
 */
public final class VirtualServiceRoutes {

  /** istiod's {@code retryOn} when a VirtualService sets attempts and no conditions. */
  static final String ISTIO_RETRY_ON =
      "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

  private VirtualServiceRoutes() {}

  /**
   * The routes of the VirtualService for this Service port, in order and with nothing after them
   * (no match: 404, as istiod); empty when no http rule of it applies to the port, which then keeps
   * its default route.
   */
  public static List<Route> forPort(MeshService service, int port, HashPolicies hashes) {
    List<Route> routes = new ArrayList<>();
    for (Routing.HttpRule rule : service.routing().map(Routing::rules).orElse(List.of())) {
      if (!rule.appliesTo(port)) {
        continue;
      }
      List<Routing.HttpMatch> matches =
          rule.matches().stream().filter(m -> m.port().orElse(port) == port).toList();
      if (matches.isEmpty()) {
        routes.add(route(rule, Optional.empty(), port, hashes));
      } else {
        matches.forEach(m -> routes.add(route(rule, Optional.of(m), port, hashes)));
      }
    }
    return routes;
  }

  static Route route(
      Routing.HttpRule rule,
      Optional<Routing.HttpMatch> match,
      int listenerPort,
      HashPolicies hashes) {
    RouteMatch.Builder routeMatch = RouteMatch.newBuilder();
    Optional<Routing.StringMatch> uri = match.flatMap(Routing.HttpMatch::uri);
    if (uri.isPresent() && uri.get().kind() == Routing.StringMatch.Kind.EXACT) {
      routeMatch.setPath(uri.get().value());
    } else if (uri.isPresent() && uri.get().kind() == Routing.StringMatch.Kind.REGEX) {
      routeMatch.setSafeRegex(regex(uri.get().value()));
    } else {
      routeMatch.setPrefix(uri.map(Routing.StringMatch::value).orElse("/"));
    }
    match.ifPresent(
        m -> {
          m.headers()
              .forEach((name, condition) -> routeMatch.addHeaders(headerMatcher(name, condition)));
          m.withoutHeaders()
              .forEach(
                  (name, condition) ->
                      routeMatch.addHeaders(
                          headerMatcher(name, condition).toBuilder().setInvertMatch(true)));
          m.queryParameters()
              .forEach(
                  (name, condition) ->
                      routeMatch.addQueryParameters(queryMatcher(name, condition)));
        });
    RouteAction.Builder action = RouteActions.withTimeout(rule.timeout().orElse(Duration.ZERO));
    Route.Builder route = Route.newBuilder();
    Routing.HeaderOperations headers = rule.headers();
    route
        .addAllRequestHeadersToAdd(HttpRuleActions.requestToAdd(headers))
        .addAllRequestHeadersToRemove(headers.requestRemove())
        .addAllResponseHeadersToAdd(HttpRuleActions.responseToAdd(headers))
        .addAllResponseHeadersToRemove(headers.responseRemove());
    rule.rewrite().ifPresent(rewrite -> HttpRuleActions.rewrite(action, rewrite));
    // rewrite.authority first; the rule's headers only when it has none (Istio allows one).
    if (!action.hasHostRewriteLiteral()) {
      headers.authority().ifPresent(action::setHostRewriteLiteral);
    }
    List<Routing.WeightedDestination> destinations = rule.destinations();
    if (destinations.size() == 1) {
      Routing.WeightedDestination only = destinations.get(0);
      action.setCluster(cluster(only, listenerPort));
      // As istiod: the destination's operations after the rule's, so its sets win.
      route
          .addAllRequestHeadersToAdd(HttpRuleActions.requestToAdd(only.headers()))
          .addAllRequestHeadersToRemove(only.headers().requestRemove())
          .addAllResponseHeadersToAdd(HttpRuleActions.responseToAdd(only.headers()))
          .addAllResponseHeadersToRemove(only.headers().responseRemove());
      if (!action.hasHostRewriteLiteral()) {
        only.headers().authority().ifPresent(action::setHostRewriteLiteral);
      }
    } else {
      boolean unweighted = destinations.stream().allMatch(d -> d.weight() == 0);
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      for (Routing.WeightedDestination destination : destinations) {
        WeightedCluster.ClusterWeight.Builder clusterWeight =
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(cluster(destination, listenerPort))
                .setWeight(UInt32Value.of(unweighted ? 1 : destination.weight()))
                .addAllRequestHeadersToAdd(HttpRuleActions.requestToAdd(destination.headers()))
                .addAllRequestHeadersToRemove(destination.headers().requestRemove())
                .addAllResponseHeadersToAdd(HttpRuleActions.responseToAdd(destination.headers()))
                .addAllResponseHeadersToRemove(destination.headers().responseRemove());
        destination.headers().authority().ifPresent(clusterWeight::setHostRewriteLiteral);
        weighted.addClusters(clusterWeight);
      }
      action.setWeightedClusters(weighted);
    }
    // As istiod, one hash policy per hashing destination; equal ones once, as a repeat would only
    // rehash the same value.
    destinations.stream()
        .flatMap(d -> hashes.key(d.fqdn(), d.port().orElse(listenerPort), d.subset()).stream())
        .map(HashPolicies::http)
        .distinct()
        .forEach(action::addHashPolicy);
    rule.retries().ifPresent(retries -> action.setRetryPolicy(retryPolicy(retries)));
    rule.fault()
        .ifPresent(
            fault ->
                route.putTypedPerFilterConfig(
                    NetworkFilters.FAULT, Protos.pack(HttpRuleActions.fault(fault))));
    String name = rule.name().isEmpty() ? "default" : rule.name();
    return route.setName(name).setMatch(routeMatch).setRoute(action).build();
  }

  private static RetryPolicy retryPolicy(Routing.Retries retries) {
    RetryPolicy.Builder policy =
        RetryPolicy.newBuilder()
            .setNumRetries(UInt32Value.of(retries.attempts()))
            .setRetryOn(retries.retryOn().orElse(ISTIO_RETRY_ON));
    retries.perTryTimeout().ifPresent(t -> policy.setPerTryTimeout(Protos.fromJava(t)));
    return policy.build();
  }

  /** The cluster a destination names: {@code outbound|<port>|<subset>|<host>}. */
  static String cluster(Routing.WeightedDestination destination, int listenerPort) {
    int port = destination.port().orElse(listenerPort);
    return destination
        .subset()
        .map(subset -> Names.outboundCluster(port, subset, destination.fqdn()))
        .orElseGet(() -> Names.outboundCluster(port, destination.fqdn()));
  }

  private static HeaderMatcher headerMatcher(String name, Routing.StringMatch condition) {
    HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name);
    StringMatcher.Builder matcher = StringMatcher.newBuilder();
    switch (condition.kind()) {
      case PRESENT -> {
        return header.setPresentMatch(true).build();
      }
      case EXACT -> matcher.setExact(condition.value());
      case PREFIX -> matcher.setPrefix(condition.value());
      case REGEX -> matcher.setSafeRegex(regex(condition.value()));
    }
    return header.setStringMatch(matcher).build();
  }

  /** A query parameter condition; Istio's {@code regex: "*"} is presence here too. */
  private static QueryParameterMatcher queryMatcher(String name, Routing.StringMatch condition) {
    QueryParameterMatcher.Builder query = QueryParameterMatcher.newBuilder().setName(name);
    switch (condition.kind()) {
      case PRESENT -> query.setPresentMatch(true);
      case EXACT -> query.setStringMatch(StringMatcher.newBuilder().setExact(condition.value()));
      case PREFIX -> query.setStringMatch(StringMatcher.newBuilder().setPrefix(condition.value()));
      case REGEX ->
          query.setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex(condition.value())));
    }
    return query.build();
  }

  /** Envoy's safe_regex: RE2 is its only engine, so the deprecated engine field stays unset. */
  static RegexMatcher regex(String regex) {
    return RegexMatcher.newBuilder().setRegex(regex).build();
  }
}
