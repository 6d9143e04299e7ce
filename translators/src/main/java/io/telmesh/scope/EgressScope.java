package io.telmesh.scope;

import io.telmesh.model.MeshService;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.OutboundTrafficPolicy;
import io.telmesh.model.SidecarConfig.EgressHost;
import io.telmesh.model.SidecarConfig.EgressListener;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What one sidecar's outbound config is built from besides the mesh: the Services its Sidecar
 * imports and its outbound traffic policy. A value: sidecars with equal scopes share one outbound
 * part, so a namespace-wide Sidecar costs one build per namespace, not one per proxy.
 *
 * @param sidecar the Sidecar it comes from; empty: no Sidecar applies, every Service is visible
 * @param clientNamespace the namespace the hosts' {@code .} stands for and routes are built for;
 *     empty for the mesh-wide scope, whose routes cover every namespace
 * @param egress the Sidecar's egress listeners; empty: every Service
 * @param clientLabels those of the client's labels that some VirtualService match names as {@code
 *     sourceLabels} (only those, so clients that differ elsewhere share); empty map when none does
 */
public record EgressScope(
    Optional<NamespacedName> sidecar,
    Optional<String> clientNamespace,
    List<EgressListener> egress,
    OutboundTrafficPolicy policy,
    SortedMap<String, String> clientLabels) {

  public EgressScope {
    egress = List.copyOf(egress);
    clientLabels =
        java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(clientLabels));
  }

  /** No Sidecar: every Service, with the mesh's policy. */
  public static EgressScope everything(OutboundTrafficPolicy policy) {
    return new EgressScope(
        Optional.empty(), Optional.empty(), List.of(), policy, new java.util.TreeMap<>());
  }

  public boolean seesEverything() {
    return egress.isEmpty();
  }

  /**
   * Whether this Service port is imported: by a listener for that port, else by the portless one.
   * As in Istio, a port-specific listener's hosts are the only ones on its port.
   */
  public boolean imports(MeshService service, int port) {
    if (seesEverything()) {
      return true;
    }
    String client = clientNamespace.orElse("");
    Optional<EgressListener> forPort =
        egress.stream()
            .filter(l -> l.port().isPresent() && l.port().getAsInt() == port)
            .findFirst();
    List<EgressListener> deciding =
        forPort
            .map(List::of)
            .orElseGet(() -> egress.stream().filter(l -> l.port().isEmpty()).toList());
    return deciding.stream()
        .flatMap(l -> l.hosts().stream())
        .anyMatch(h -> importsHost(h, service, client));
  }

  private static boolean importsHost(EgressHost host, MeshService service, String client) {
    return host.imports(service.namespace(), service.fqdn(), client);
  }
}
