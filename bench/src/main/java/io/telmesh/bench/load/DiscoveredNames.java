package io.telmesh.bench.load;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;

/** What a sidecar subscribes next, read from the clusters and listeners a server sent it. */
final class DiscoveredNames {

  private static final String HCM =
      "type.googleapis.com/" + HttpConnectionManager.getDescriptor().getFullName();

  private DiscoveredNames() {}

  /** The assignment name of every EDS cluster: its service_name, or else its own name. */
  static List<String> edsClusters(List<ByteString> resources) {
    List<String> names = new ArrayList<>();
    for (ByteString resource : resources) {
      Cluster cluster = parse(resource, Cluster.getDescriptor().getFullName(), Cluster.parser());
      if (cluster != null && cluster.getType() == Cluster.DiscoveryType.EDS) {
        String service = cluster.getEdsClusterConfig().getServiceName();
        names.add(service.isEmpty() ? cluster.getName() : service);
      }
    }
    return names;
  }

  /** The route configuration every HTTP connection manager asks RDS for. */
  static List<String> routeConfigs(List<ByteString> resources) {
    List<String> names = new ArrayList<>();
    for (ByteString resource : resources) {
      Listener listener =
          parse(resource, Listener.getDescriptor().getFullName(), Listener.parser());
      if (listener == null) {
        continue;
      }
      List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
      if (listener.hasDefaultFilterChain()) {
        chains.add(listener.getDefaultFilterChain());
      }
      for (FilterChain chain : chains) {
        for (Filter filter : chain.getFiltersList()) {
          if (filter.getTypedConfig().getTypeUrl().equals(HCM)) {
            HttpConnectionManager manager =
                parse(filter.getTypedConfig(), HttpConnectionManager.parser());
            if (manager.hasRds()) {
              names.add(manager.getRds().getRouteConfigName());
            }
          }
        }
      }
    }
    return names;
  }

  private static <T> T parse(
      ByteString resource, String fullName, com.google.protobuf.Parser<T> parser) {
    try {
      Any any = Any.parseFrom(resource);
      return any.getTypeUrl().endsWith("/" + fullName) ? parser.parseFrom(any.getValue()) : null;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the server sent a resource that does not parse", e);
    }
  }

  private static <T> T parse(Any any, com.google.protobuf.Parser<T> parser) {
    try {
      return parser.parseFrom(any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the server sent a filter config that does not parse", e);
    }
  }
}
