package io.telmesh.bootstrap;

import io.envoyproxy.envoy.config.core.v3.ApiConfigSource.ApiType;

/** How Envoy talks ADS: state of the world or incremental (delta, the default). */
public enum AdsMode {
  GRPC(ApiType.GRPC),
  DELTA_GRPC(ApiType.DELTA_GRPC);

  private final ApiType apiType;

  AdsMode(ApiType apiType) {
    this.apiType = apiType;
  }

  ApiType apiType() {
    return apiType;
  }
}
