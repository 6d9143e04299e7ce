package io.telmesh.testing;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.telmesh.auth.TokenReviewAuthenticator;
import java.util.concurrent.Executor;

/** {@code authorization: Bearer <token>} on every call, as an Envoy or grpc-go client sends it. */
public final class BearerToken extends CallCredentials {

  private final String token;

  public BearerToken(String token) {
    this.token = token;
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(TokenReviewAuthenticator.AUTHORIZATION, "Bearer " + token);
    applier.apply(headers);
  }
}
