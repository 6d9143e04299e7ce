package io.telmesh.snapshot;

import io.telmesh.resources.ResourceType;
import java.util.List;
import java.util.Set;

/** The xDS type URLs telmesh serves, in the order a push sends them (make before break). */
public final class TypeUrls {

  public static final String CLUSTER = ResourceType.CLUSTER.typeUrl();
  public static final String ENDPOINT = ResourceType.ENDPOINT.typeUrl();
  public static final String LISTENER = ResourceType.LISTENER.typeUrl();
  public static final String ROUTE = ResourceType.ROUTE.typeUrl();
  public static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  /** CDS before EDS before LDS before RDS, as Envoy recommends for ADS. */
  public static final List<String> PUSH_ORDER =
      ResourceType.PUSH_ORDER.stream().map(ResourceType::typeUrl).toList();

  /** In SotW, an empty subscription to these means every resource (wildcard). */
  public static final Set<String> WILDCARD_TYPES = Set.of(CLUSTER, LISTENER);

  /**
   * Types whose state-of-the-world responses may carry only some of the subscribed resources:
   * clients ask for them by name and keep what a response leaves out (the xDS protocol's rule for
   * all but LDS and CDS).
   */
  public static final Set<String> BY_NAME_TYPES = Set.of(ENDPOINT, ROUTE);

  private TypeUrls() {}

  /** A short name for logs and metrics: {@code LDS}, {@code CDS}, ...; other types as they are. */
  public static String shortName(String typeUrl) {
    return typeUrl.equals(SECRET)
        ? "SDS"
        : ResourceType.byTypeUrl(typeUrl).map(ResourceType::shortName).orElse(typeUrl);
  }
}
