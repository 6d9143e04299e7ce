package io.telmesh.outbound;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.telmesh.envoy.Addresses;
import io.telmesh.model.ServiceEndpoint;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ClusterLoadAssignments: ready endpoints only, grouped by zone, every locality weighted (gRPC
 * clients ignore localities without a weight).
 */
public final class EndpointBuilder {

  private EndpointBuilder() {}

  public static ClusterLoadAssignment build(String cluster, List<ServiceEndpoint> endpoints) {
    Map<String, LocalityLbEndpoints.Builder> byZone = new TreeMap<>();
    for (ServiceEndpoint endpoint : endpoints) {
      if (!endpoint.ready()) {
        continue;
      }
      LocalityLbEndpoints.Builder locality =
          byZone.computeIfAbsent(
              endpoint.zone(),
              zone -> {
                LocalityLbEndpoints.Builder b = LocalityLbEndpoints.newBuilder();
                if (!zone.isEmpty()) {
                  b.setLocality(Locality.newBuilder().setZone(zone));
                }
                return b;
              });
      locality.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setEndpoint(
                  io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                      .setAddress(Addresses.socket(endpoint.address().address(), endpoint.port())))
              .setLoadBalancingWeight(UInt32Value.of(1)));
    }
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(cluster);
    byZone
        .values()
        .forEach(
            l ->
                assignment.addEndpoints(
                    l.setLoadBalancingWeight(UInt32Value.of(l.getLbEndpointsCount()))));
    return assignment.build();
  }
}
