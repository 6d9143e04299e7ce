package io.telmesh.validate;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.translate.ProxyResources;
import io.telmesh.translate.ResourceSegment;
import io.telmesh.translate.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * {@link EnvoyValidator}'s checks at push speed: proto constraints are remembered per segment (and
 * a segment shared by every proxy is checked once), cross-resource facts are extracted once per
 * segment, and the combination is remembered per set of facts, so a proxy whose segments carry
 * the same facts as another's (an endpoint change keeps names and references) costs a lookup.
 * Thread-safe; everything is held weakly or bounded.
 */
public final class SegmentedValidator {

  private final EnvoyValidator constraints = EnvoyValidator.create();
  private final Cache<ResourceSegment<?>, ResourceFacts> facts = CacheBuilder.newBuilder().weakKeys().build();
  private final Cache<List<String>, List<Violation>> combinations = CacheBuilder.newBuilder().maximumSize(10_000).build();

  /** Every violation of one proxy's resources, sorted; empty when Envoy would accept them all. */
  public List<Violation> validate(ProxyResources resources) {
    List<Violation> violations = new ArrayList<>(constraints.constraints(resources));
    List<ResourceFacts> groups = new ArrayList<>();
    addFacts(resources.listeners(), groups);
    addFacts(resources.clusters(), groups);
    addFacts(resources.routes(), groups);
    addFacts(resources.endpoints(), groups);
    List<String> key = groups.stream().map(ResourceFacts::fingerprint).toList();
    try {
      violations.addAll(combinations.get(key, () -> CrossResourceValidator.combine(groups)));
    } catch (ExecutionException e) {
      throw new IllegalStateException("combining facts failed", e.getCause());
    }
    return violations.isEmpty() ? List.of() : violations.stream().sorted().distinct().toList();
  }

  @SuppressWarnings("unchecked")
  private <T extends com.google.protobuf.Message> void addFacts(ResourceSet<T> set, List<ResourceFacts> groups) {
    for (ResourceSegment<T> segment : set.segments()) {
      try {
        groups.add(facts.get(segment, () -> {
          List<T> resources = segment.resources();
          if (resources.isEmpty()) {
            return ResourceFacts.of(List.of(), List.of(), List.of(), List.of());
          }
          Object first = resources.get(0);
          if (first instanceof Listener) {
            return ResourceFacts.of((List<Listener>) resources, List.of(), List.of(), List.of());
          } else if (first instanceof Cluster) {
            return ResourceFacts.of(List.of(), (List<Cluster>) resources, List.of(), List.of());
          } else if (first instanceof RouteConfiguration) {
            return ResourceFacts.of(List.of(), List.of(), (List<RouteConfiguration>) resources, List.of());
          }
          return ResourceFacts.of(List.of(), List.of(), List.of(), (List<ClusterLoadAssignment>) resources);
        }));
      } catch (ExecutionException e) {
        throw new IllegalStateException("extracting facts failed", e.getCause());
      }
    }
  }
}
