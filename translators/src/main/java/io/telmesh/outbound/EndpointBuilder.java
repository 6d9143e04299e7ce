package io.telmesh.outbound;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.telmesh.envoy.Addresses;
import io.telmesh.model.Locality;
import io.telmesh.model.ServiceEndpoint;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * ClusterLoadAssignments as the strictest client (grpc-go) accepts them, for sidecars and proxyless
 * clients alike: ready endpoints only, one group per distinct locality at priority 0, in locality
 * order; every group names its locality (an empty one when nothing is known: grpc-go rejects the
 * whole assignment for a group without the field) and is weighted by the sum of its endpoints'
 * weights (both gRPC clients silently drop a group without weight); no address twice (grpc-go
 * rejects duplicates, even across groups).
 */
public final class EndpointBuilder {

  private static final int ENDPOINT_WEIGHT = 1;

  private EndpointBuilder() {}

  public static ClusterLoadAssignment build(String cluster, List<ServiceEndpoint> endpoints) {
    Map<Locality, LocalityLbEndpoints.Builder> byLocality = new TreeMap<>();
    Set<String> addresses = new HashSet<>();
    for (ServiceEndpoint endpoint : endpoints) {
      if (!endpoint.ready()
          || !addresses.add(endpoint.address().address() + "|" + endpoint.port())) {
        continue;
      }
      byLocality
          .computeIfAbsent(
              endpoint.locality(),
              locality -> LocalityLbEndpoints.newBuilder().setLocality(proto(locality)))
          .addLbEndpoints(
              LbEndpoint.newBuilder()
                  .setEndpoint(
                      Endpoint.newBuilder()
                          .setAddress(
                              Addresses.socket(endpoint.address().address(), endpoint.port())))
                  .setLoadBalancingWeight(UInt32Value.of(ENDPOINT_WEIGHT)));
    }
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(cluster);
    for (LocalityLbEndpoints.Builder group : byLocality.values()) {
      long weight =
          group.getLbEndpointsList().stream()
              .mapToLong(e -> e.getLoadBalancingWeight().getValue())
              .sum();
      assignment.addEndpoints(
          group.setLoadBalancingWeight(UInt32Value.of((int) Math.min(weight, 0xFFFFFFFFL))));
    }
    return assignment.build();
  }

  private static io.envoyproxy.envoy.config.core.v3.Locality proto(Locality locality) {
    return io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
        .setRegion(locality.region())
        .setZone(locality.zone())
        .setSubZone(locality.subZone())
        .build();
  }
}
