package io.telmesh.mesh;

import io.telmesh.model.MeshService;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The mesh's Services by the host names Istio objects use: a short name ({@code amf}) means the
 * Service of that name in the object's own namespace, anything with a dot is taken as written.
 */
final class IstioHosts {

  private final Map<String, MeshService> byFqdn = new HashMap<>();

  IstioHosts(Collection<MeshService> services) {
    services.forEach(s -> byFqdn.put(s.fqdn(), s));
  }

  /** The host as Istio reads it, written by an object in {@code namespace}. */
  static String fqdn(String host, String namespace) {
    return host.contains(".") ? host : host + "." + namespace + "." + MeshService.DOMAIN_SUFFIX;
  }

  Optional<MeshService> find(String host, String namespace) {
    return Optional.ofNullable(byFqdn.get(fqdn(host, namespace)));
  }
}
