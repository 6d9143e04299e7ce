package io.telmesh.resources;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The xDS resource types telmesh emits, typed: how a resource of the type is named, the type URL it
 * is sent under, and the names operators see ({@code Listener}, {@code LDS}). A segment knows its
 * type, so consumers (validation, snapshots, the held-back path) never guess it from content.
 *
 * @param <T> the resource message
 */
public final class ResourceType<T extends Message> {

  public static final ResourceType<Listener> LISTENER =
      new ResourceType<>(Listener.getDefaultInstance(), "LDS", Listener::getName);
  public static final ResourceType<Cluster> CLUSTER =
      new ResourceType<>(Cluster.getDefaultInstance(), "CDS", Cluster::getName);
  public static final ResourceType<RouteConfiguration> ROUTE =
      new ResourceType<>(
          RouteConfiguration.getDefaultInstance(), "RDS", RouteConfiguration::getName);
  public static final ResourceType<ClusterLoadAssignment> ENDPOINT =
      new ResourceType<>(
          ClusterLoadAssignment.getDefaultInstance(), "EDS", ClusterLoadAssignment::getClusterName);

  /** CDS before EDS before LDS before RDS: make before break, as Envoy recommends for ADS. */
  public static final List<ResourceType<?>> PUSH_ORDER =
      List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

  private final String kind;
  private final String shortName;
  private final String typeUrl;
  private final Function<T, String> nameOf;

  private ResourceType(T prototype, String shortName, Function<T, String> nameOf) {
    this.kind = prototype.getDescriptorForType().getName();
    this.shortName = shortName;
    this.typeUrl = "type.googleapis.com/" + prototype.getDescriptorForType().getFullName();
    this.nameOf = nameOf;
  }

  /** The type by its message name ({@code Listener}), as violations and problems name it. */
  public static Optional<ResourceType<?>> byKind(String kind) {
    return PUSH_ORDER.stream()
        .<ResourceType<?>>map(t -> t)
        .filter(t -> t.kind.equals(kind))
        .findFirst();
  }

  /** The type by its type URL. */
  public static Optional<ResourceType<?>> byTypeUrl(String typeUrl) {
    // Asked for every response and ACK: a loop, not a stream.
    for (ResourceType<?> type : PUSH_ORDER) {
      if (type.typeUrl.equals(typeUrl)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /**
   * The message name: {@code Listener}, {@code Cluster}, {@code RouteConfiguration}, {@code
   * ClusterLoadAssignment}.
   */
  public String kind() {
    return kind;
  }

  /** {@code LDS}, {@code CDS}, {@code RDS} or {@code EDS}: for logs and metrics. */
  public String shortName() {
    return shortName;
  }

  public String typeUrl() {
    return typeUrl;
  }

  /** The name a resource is known by in xDS (a ClusterLoadAssignment's is its cluster name). */
  public String nameOf(T resource) {
    return nameOf.apply(resource);
  }

  @Override
  public String toString() {
    return shortName;
  }
}
