package io.telmesh.xds;

import com.google.common.collect.Interner;
import com.google.common.collect.Interners;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a request cheap to hold while it waits for its stream's executor. A sidecar's delta EDS
 * subscription names a thousand clusters, each parsed into its own string, and when ten thousand
 * sidecars subscribe at once their requests queue faster than two send threads take them up: 1 GB
 * of copies of the same few thousand names. Here each name becomes the one instance every request
 * shares, and the node, which the registry already keeps from the stream's first request, is
 * dropped. Runs on gRPC's thread, before the request is queued.
 */
final class RequestCompactor {

  // Weak: a name no stream or snapshot holds any more goes with the last of them.
  private final Interner<String> names = Interners.newWeakInterner();

  DeltaDiscoveryRequest compact(DeltaDiscoveryRequest request) {
    if (request.getResourceNamesSubscribeCount() == 0
        && request.getResourceNamesUnsubscribeCount() == 0
        && request.getInitialResourceVersionsCount() == 0) {
      // An ACK: no names to share. Envoy repeats the node on each unless told not to.
      return request.hasNode() ? request.toBuilder().clearNode().build() : request;
    }
    Map<String, String> initial = new LinkedHashMap<>();
    request
        .getInitialResourceVersionsMap()
        .forEach((name, version) -> initial.put(names.intern(name), names.intern(version)));
    return request.toBuilder()
        .clearNode()
        .clearResourceNamesSubscribe()
        .addAllResourceNamesSubscribe(intern(request.getResourceNamesSubscribeList()))
        .clearResourceNamesUnsubscribe()
        .addAllResourceNamesUnsubscribe(intern(request.getResourceNamesUnsubscribeList()))
        .clearInitialResourceVersions()
        .putAllInitialResourceVersions(initial)
        .build();
  }

  /**
   * A state-of-the-world request keeps its own names: every ACK repeats the stream's whole list (a
   * thousand EDS names), so interning each would cost every ACK a thousand lookups, a tenth of the
   * server's CPU in a full push; the stream compares the list with what it has in one pass instead,
   * and keeps it only when it changed. Only the node goes.
   */
  DiscoveryRequest compact(DiscoveryRequest request) {
    return request.hasNode() ? request.toBuilder().clearNode().build() : request;
  }

  private List<String> intern(List<String> list) {
    return list.stream().map(names::intern).toList();
  }
}
