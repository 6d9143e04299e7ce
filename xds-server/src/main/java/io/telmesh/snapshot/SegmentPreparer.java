package io.telmesh.snapshot;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Message;
import io.telmesh.resources.ResourceSegment;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Prepares segments once per segment object: shared outbound segments are the same object for every
 * proxy of a mesh state, so they are serialized and hashed once, not once per proxy; and a resource
 * object carried over from an earlier mesh state is not serialized again. Weak, identity-keyed:
 * what no snapshot references any more goes.
 */
public final class SegmentPreparer {

  private final Cache<ResourceSegment<?>, PreparedSegment> prepared =
      CacheBuilder.newBuilder().weakKeys().build();

  /** Per resource object: a new segment reusing most of the previous one's objects is cheap. */
  private final Cache<Message, PreparedResource> resources =
      CacheBuilder.newBuilder().weakKeys().build();

  public PreparedSegment prepare(ResourceSegment<? extends Message> segment) {
    try {
      return prepared.get(
          segment,
          () -> {
            // Only what is packed anew is remembered: a carried-over object is known already.
            Set<Message> unknown = Collections.newSetFromMap(new IdentityHashMap<>());
            PreparedSegment result =
                PreparedSegment.prepare(
                    segment,
                    message -> {
                      PreparedResource known = resources.getIfPresent(message);
                      if (known == null) {
                        unknown.add(message);
                      }
                      return known;
                    });
            if (!unknown.isEmpty()) {
              segment
                  .byName()
                  .forEach(
                      (name, message) -> {
                        if (unknown.contains(message)) {
                          resources.put(message, result.byName().get(name));
                        }
                      });
            }
            return result;
          });
    } catch (ExecutionException e) {
      throw new IllegalStateException("preparing a segment cannot fail", e.getCause());
    }
  }
}
