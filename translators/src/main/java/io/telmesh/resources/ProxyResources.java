package io.telmesh.resources;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.telmesh.model.Problem;
import io.telmesh.model.UntouchedPort;
import java.util.List;

/**
 * Everything one proxy is sent, by xDS type, plus what was decided about it: the ports left
 * untouched (UDP, SCTP) and the problems that concern this proxy.
 */
public record ProxyResources(
    ResourceSet<Listener> listeners,
    ResourceSet<Cluster> clusters,
    ResourceSet<RouteConfiguration> routes,
    ResourceSet<ClusterLoadAssignment> endpoints,
    List<UntouchedPort> untouched,
    List<Problem> problems) {

  public ProxyResources {
    untouched = List.copyOf(untouched);
    problems = List.copyOf(problems);
  }
}
