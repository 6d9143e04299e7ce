package io.telmesh.outbound;

import io.telmesh.envoy.IstioMutualTls;
import io.telmesh.model.MeshService;
import io.telmesh.model.MeshState;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ServiceEndpoint;
import io.telmesh.model.Workload;
import java.util.List;
import java.util.TreeSet;

/**
 * Who may answer for a Service port under Istio's mutual TLS: the SPIFFE IDs of the service
 * accounts of the pods behind its endpoints, as istiod derives a cluster's subject alt names.
 *
 * @param trustDomain the mesh's trust domain, the one telmesh's CA signs identities in
 */
record ServiceIdentities(MeshState mesh, String trustDomain) {

  /** Sorted, so the cluster's bytes do not change when endpoints merely reorder. */
  List<String> of(MeshService service, int port) {
    TreeSet<String> identities = new TreeSet<>();
    for (ServiceEndpoint endpoint : mesh.endpointsOf(service.key(), port)) {
      endpoint
          .pod()
          .flatMap(mesh::workload)
          .map(ServiceIdentities::serviceAccount)
          .ifPresent(
              sa ->
                  identities.add(IstioMutualTls.spiffeId(trustDomain, sa.namespace(), sa.name())));
    }
    return List.copyOf(identities);
  }

  private static NamespacedName serviceAccount(Workload workload) {
    return new NamespacedName(workload.key().namespace(), workload.serviceAccount());
  }
}
