package io.telmesh.overview;

import io.telmesh.debug.ProxySync;
import java.util.List;

/** Where the monitoring server gets the overview from: computed on demand, never cached. */
public interface OverviewSource {

  MeshOverview overview();

  /** Every connected proxy, matched to a pod of the mesh or not. */
  List<ProxySync> proxies();
}
