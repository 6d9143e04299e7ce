package io.telmesh.validate;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.telmesh.resources.ProxyResources;
import io.telmesh.resources.ResourceSegment;
import io.telmesh.resources.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Everything Envoy would check about one proxy's resources: the proto constraints of every resource
 * ({@link ProtoConstraintValidator}) and the rules across resources ({@link
 * CrossResourceValidator}).
 *
 * <p>Proto constraints of a resource depend on nothing else, so they are remembered per {@link
 * ResourceSegment} object: the segments every proxy of a mesh version shares are checked once, and
 * only a proxy's own segments are checked per proxy. Cross-resource facts are extracted once per
 * segment too, and the verdict is remembered per combination of facts. Segments are held weakly, so
 * a validator can live as long as the server; thread-safe.
 */
public final class EnvoyValidator {

  private final ProtoConstraintValidator constraints;
  private final Cache<ResourceSegment<?>, List<Violation>> bySegment =
      CacheBuilder.newBuilder().weakKeys().build();

  /** Per resource object: a new segment made mostly of an older one's objects is cheap to check. */
  private final Cache<Message, List<Violation>> byResource =
      CacheBuilder.newBuilder().weakKeys().build();

  /** Cross-resource facts per segment object: a shared segment's are extracted once. */
  private final Cache<ResourceSegment<?>, ResourceFacts> factsBySegment =
      CacheBuilder.newBuilder().weakKeys().build();

  /**
   * Per network filter object: a proxy's own listener is new per proxy, its filters are mostly
   * shared with every proxy of the same ports, and unpacking them is most of the facts' cost.
   */
  private final Cache<Filter, ResourceFacts.FilterFacts> factsByFilter =
      CacheBuilder.newBuilder().weakKeys().build();

  /**
   * The cross-resource verdict per combination of segment facts: proxies sharing their outbound
   * segments and with equal own facts (an endpoint change keeps names and references) cost a
   * lookup.
   */
  private final Cache<List<String>, List<Violation>> combinations =
      CacheBuilder.newBuilder().maximumSize(10_000).build();

  private EnvoyValidator(ProtoConstraintValidator constraints) {
    this.constraints = constraints;
  }

  public static EnvoyValidator create() {
    return new EnvoyValidator(ProtoConstraintValidator.envoy().remembering());
  }

  /**
   * Sorted violations of every resource of the proxy and across them; empty when Envoy would accept
   * all.
   */
  public List<Violation> validate(ProxyResources resources) {
    List<Violation> violations = new ArrayList<>(constraints(resources));
    violations.addAll(crossResource(resources));
    return violations.isEmpty() ? List.of() : violations.stream().sorted().distinct().toList();
  }

  /** {@link CrossResourceValidator}'s verdict, from the facts of each segment, remembered. */
  private List<Violation> crossResource(ProxyResources resources) {
    List<ResourceFacts> groups = new ArrayList<>();
    addFacts(resources.listeners(), l -> ResourceFacts.listeners(l, this::filterFacts), groups);
    addFacts(resources.clusters(), ResourceFacts::clusters, groups);
    addFacts(resources.routes(), ResourceFacts::routes, groups);
    addFacts(resources.endpoints(), ResourceFacts::assignments, groups);
    List<String> key = groups.stream().map(ResourceFacts::fingerprint).toList();
    try {
      return combinations.get(key, () -> CrossResourceValidator.combine(groups));
    } catch (ExecutionException e) {
      throw new IllegalStateException("combining cross-resource facts failed", e.getCause());
    }
  }

  private <T extends Message> void addFacts(
      ResourceSet<T> set,
      java.util.function.Function<List<T>, ResourceFacts> extract,
      List<ResourceFacts> groups) {
    for (ResourceSegment<T> segment : set.segments()) {
      try {
        groups.add(factsBySegment.get(segment, () -> extract.apply(segment.resources())));
      } catch (ExecutionException e) {
        throw new IllegalStateException("extracting cross-resource facts failed", e.getCause());
      }
    }
  }

  private ResourceFacts.FilterFacts filterFacts(Filter filter) {
    try {
      return factsByFilter.get(filter, () -> ResourceFacts.FilterFacts.of(filter));
    } catch (ExecutionException e) {
      throw new IllegalStateException("extracting a filter's facts failed", e.getCause());
    }
  }

  /** The proto constraints of every resource of the proxy, shared segments from memory. */
  public List<Violation> constraints(ProxyResources resources) {
    List<Violation> violations = new ArrayList<>();
    addSet(resources.listeners(), violations);
    addSet(resources.clusters(), violations);
    addSet(resources.routes(), violations);
    addSet(resources.endpoints(), violations);
    return violations;
  }

  /** The proto constraints of every resource of a segment, checked once per segment object. */
  public List<Violation> constraints(ResourceSegment<?> segment) {
    try {
      return bySegment.get(segment, () -> checkSegment(segment));
    } catch (ExecutionException e) {
      throw new IllegalStateException("validating a segment failed", e.getCause());
    }
  }

  /** The proto constraints of one resource (not remembered). */
  public List<Violation> constraints(Message resource) {
    return constraints.validate(resource);
  }

  private <T extends Message> void addSet(ResourceSet<T> set, List<Violation> violations) {
    for (ResourceSegment<T> segment : set.segments()) {
      violations.addAll(constraints(segment));
    }
  }

  private List<Violation> checkSegment(ResourceSegment<?> segment) {
    List<Violation> violations = new ArrayList<>();
    for (Message resource : segment.byName().values()) {
      List<Violation> known = byResource.getIfPresent(resource);
      if (known == null) {
        known = List.copyOf(constraints.validate(resource));
        byResource.put(resource, known);
      }
      violations.addAll(known);
    }
    return List.copyOf(violations);
  }
}
