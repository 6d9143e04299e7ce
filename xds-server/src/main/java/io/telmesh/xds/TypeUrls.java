package io.telmesh.xds;

import io.envoyproxy.controlplane.cache.Resources;
import java.util.List;
import java.util.Set;

/** The xDS type URLs telmesh serves, in the order a push sends them (make before break). */
public final class TypeUrls {

  public static final String CLUSTER = Resources.V3.CLUSTER_TYPE_URL;
  public static final String ENDPOINT = Resources.V3.ENDPOINT_TYPE_URL;
  public static final String LISTENER = Resources.V3.LISTENER_TYPE_URL;
  public static final String ROUTE = Resources.V3.ROUTE_TYPE_URL;
  public static final String SECRET = Resources.V3.SECRET_TYPE_URL;

  /** CDS before EDS before LDS before RDS, as Envoy recommends for ADS. */
  public static final List<String> PUSH_ORDER = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE);

  /** Types java-control-plane's stream handling knows; anything else is answered by telmesh. */
  public static final Set<String> LIBRARY_TYPES = Set.copyOf(Resources.V3.TYPE_URLS);

  /** In SotW, an empty subscription to these means every resource (wildcard). */
  public static final Set<String> WILDCARD_TYPES = Set.of(CLUSTER, LISTENER);

  private TypeUrls() {}

  /** A short name for logs and metrics: {@code LDS}, {@code CDS}, ... */
  public static String shortName(String typeUrl) {
    if (typeUrl.equals(CLUSTER)) {
      return "CDS";
    } else if (typeUrl.equals(ENDPOINT)) {
      return "EDS";
    } else if (typeUrl.equals(LISTENER)) {
      return "LDS";
    } else if (typeUrl.equals(ROUTE)) {
      return "RDS";
    } else if (typeUrl.equals(SECRET)) {
      return "SDS";
    }
    return typeUrl;
  }
}
