package io.telmesh.auth;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * The client side of {@link TokenReviewAuthenticator}: {@code authorization: Bearer <token>} on
 * every call, as Envoy and grpc-go send a service-account token (telmesh's own tools use it).
 */
public final class BearerTokenCredentials extends CallCredentials {

  private final String token;

  public BearerTokenCredentials(String token) {
    this.token = token;
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    Metadata headers = new Metadata();
    headers.put(TokenReviewAuthenticator.AUTHORIZATION, "Bearer " + token);
    applier.apply(headers);
  }
}
