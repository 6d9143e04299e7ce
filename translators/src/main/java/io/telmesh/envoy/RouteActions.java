package io.telmesh.envoy;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.time.Duration;

/** Route actions as istiod writes a sidecar's. */
public final class RouteActions {

  private RouteActions() {}

  /**
   * A route action with this timeout (zero: none), no limit on a stream's duration, and a client's
   * {@code grpc-timeout} header honoured uncapped, as istiod's defaults.
   */
  public static RouteAction.Builder withTimeout(Duration timeout) {
    return RouteAction.newBuilder()
        .setTimeout(Protos.fromJava(timeout))
        .setMaxStreamDuration(
            RouteAction.MaxStreamDuration.newBuilder()
                .setMaxStreamDuration(Protos.seconds(0))
                .setGrpcTimeoutHeaderMax(Protos.seconds(0)));
  }
}
