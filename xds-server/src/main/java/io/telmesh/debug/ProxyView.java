package io.telmesh.debug;

import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.status.ProxyStatusTracker.TypeStatus;
import io.telmesh.xds.ProxyRegistry.Connection;
import java.util.Map;
import java.util.Optional;

/**
 * Everything known about one connected proxy at one moment: what it is, was sent, and would be
 * sent.
 */
record ProxyView(
    Connection connection, Map<String, TypeStatus> status, Optional<ProxySnapshot> current) {

  /** {@code pod.namespace}, as Istio names proxies in debug output. */
  String name() {
    return connection.node().proxyName();
  }
}
