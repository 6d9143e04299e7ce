package io.telmesh.validate;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/** How violations name a resource: its xDS type's short name and its resource name. */
public final class ResourceNames {

  private ResourceNames() {}

  public static String typeOf(Message resource) {
    return resource.getDescriptorForType().getName();
  }

  /** The xDS resource name; the node id for a bootstrap; empty for other messages. */
  public static String nameOf(Message resource) {
    if (resource instanceof Listener listener) {
      return listener.getName();
    }
    if (resource instanceof Cluster cluster) {
      return cluster.getName();
    }
    if (resource instanceof RouteConfiguration route) {
      return route.getName();
    }
    if (resource instanceof ClusterLoadAssignment assignment) {
      return assignment.getClusterName();
    }
    if (resource instanceof Bootstrap bootstrap) {
      return bootstrap.getNode().getId();
    }
    return "";
  }
}
