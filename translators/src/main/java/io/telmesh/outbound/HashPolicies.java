package io.telmesh.outbound;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.telmesh.envoy.Protos;
import io.telmesh.model.MeshService;
import io.telmesh.model.TrafficPolicy;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a route or tcp_proxy to a cluster hashes on: the consistentHash key of the DestinationRule
 * policy that cluster got (its port's and its subset's, merged as for the cluster itself), in the
 * hash policy istiod writes for it. A hashing cluster needs the route to say what to hash; a route
 * to any other cluster says nothing.
 */
public final class HashPolicies {

  private final Map<String, MeshService> byFqdn;

  private HashPolicies(Map<String, MeshService> byFqdn) {
    this.byFqdn = byFqdn;
  }

  /** No Service hashes: for clients whose clusters balance by their own policy. */
  public static HashPolicies none() {
    return new HashPolicies(Map.of());
  }

  static HashPolicies of(Collection<MeshService> services) {
    return new HashPolicies(
        services.stream()
            .collect(Collectors.toMap(MeshService::fqdn, Function.identity(), (a, b) -> a)));
  }

  /** The key of the policy of {@code outbound|port|subset|fqdn}, if it hashes on one. */
  Optional<TrafficPolicy.HashKey> key(String fqdn, int port, Optional<String> subset) {
    Optional<TrafficPolicy> policy =
        Optional.ofNullable(byFqdn.get(fqdn))
            // A headless Service's clusters are original destination: nothing there hashes.
            .filter(service -> !service.originalDestination())
            .flatMap(MeshService::trafficPolicy);
    if (subset.isPresent()) {
      policy =
          policy.flatMap(
              p ->
                  p.subsets().stream()
                      .filter(s -> s.name().equals(subset.get()))
                      .findFirst()
                      .map(TrafficPolicy.Subset::policy));
    }
    return policy
        .map(p -> p.forPort(port))
        .flatMap(TrafficPolicy::consistentHash)
        .flatMap(TrafficPolicy.ConsistentHash::key);
  }

  /** istiod's route hash policy for a key. */
  static RouteAction.HashPolicy http(TrafficPolicy.HashKey key) {
    RouteAction.HashPolicy.Builder policy = RouteAction.HashPolicy.newBuilder();
    if (key instanceof TrafficPolicy.HeaderKey header) {
      policy.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(header.name()));
    } else if (key instanceof TrafficPolicy.CookieKey cookie) {
      RouteAction.HashPolicy.Cookie.Builder out =
          RouteAction.HashPolicy.Cookie.newBuilder().setName(cookie.name());
      cookie.path().ifPresent(out::setPath);
      cookie.ttl().ifPresent(ttl -> out.setTtl(Protos.fromJava(ttl)));
      cookie
          .attributes()
          .forEach(
              a ->
                  out.addAttributes(
                      RouteAction.HashPolicy.CookieAttribute.newBuilder()
                          .setName(a.name())
                          .setValue(a.value())));
      policy.setCookie(out);
    } else if (key instanceof TrafficPolicy.SourceIpKey) {
      policy.setConnectionProperties(
          RouteAction.HashPolicy.ConnectionProperties.newBuilder().setSourceIp(true));
    } else if (key instanceof TrafficPolicy.QueryParameterKey query) {
      policy.setQueryParameter(
          RouteAction.HashPolicy.QueryParameter.newBuilder().setName(query.name()));
    }
    return policy.build();
  }

  /** tcp_proxy hashes on the client's address or on nothing: istiod's only TCP hash policy. */
  static Optional<io.envoyproxy.envoy.type.v3.HashPolicy> tcp(TrafficPolicy.HashKey key) {
    return key instanceof TrafficPolicy.SourceIpKey
        ? Optional.of(
            io.envoyproxy.envoy.type.v3.HashPolicy.newBuilder()
                .setSourceIp(io.envoyproxy.envoy.type.v3.HashPolicy.SourceIp.getDefaultInstance())
                .build())
        : Optional.empty();
  }
}
