package io.telmesh.push;

import io.telmesh.resources.ResourceType;
import io.telmesh.snapshot.PreparedResource;
import io.telmesh.snapshot.PreparedSegment;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.TypeSnapshot;
import io.telmesh.validate.Violation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps resources Envoy would reject out of a push: each failing resource is replaced by the
 * version the proxy was last given (or left out if it never had one); everything else goes out.
 */
final class LastGood {

  private LastGood() {}

  static ProxySnapshot apply(
      ProxySnapshot next, Optional<ProxySnapshot> previous, List<Violation> violations) {
    Map<String, Set<String>> failing = new HashMap<>();
    for (Violation violation : violations) {
      ResourceType.byKind(violation.resourceType())
          .ifPresent(
              type ->
                  failing
                      .computeIfAbsent(type.typeUrl(), t -> new HashSet<>())
                      .add(violation.resourceName()));
    }
    Map<String, TypeSnapshot> types = new LinkedHashMap<>(next.byType());
    failing.forEach(
        (type, names) -> {
          List<PreparedSegment> segments = new ArrayList<>();
          next.type(type).segments().forEach(s -> segments.add(s.without(names)));
          Map<String, PreparedResource> kept = new HashMap<>();
          previous
              .map(p -> p.type(type))
              .ifPresent(
                  before ->
                      names.forEach(
                          name -> {
                            PreparedResource good = before.get(name);
                            if (good != null) {
                              kept.put(name, good);
                            }
                          }));
          if (!kept.isEmpty()) {
            segments.add(PreparedSegment.of(kept));
          }
          types.put(type, new TypeSnapshot(type, segments));
        });
    return new ProxySnapshot(next.generation(), next.changedAt(), types);
  }
}
