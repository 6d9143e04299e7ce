package io.telmesh.auth;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.common.hash.Hashing;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.InOutCreateable;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A Kubernetes service-account token in {@code authorization: Bearer …}, checked with the
 * TokenReview API for the configured audiences, as istiod checks its 15012 callers.
 *
 * <p>Reviews are remembered briefly (by the token's hash, never the token) so that a reconnect
 * storm of thousands of proxies costs the API server one review per token per period, not one per
 * stream; never beyond the token's own {@code exp}. A refused token is remembered for less, so a
 * flood of bad tokens cannot become a flood of reviews either.
 */
public final class TokenReviewAuthenticator implements Authenticator {

  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The audience Istio's injected sidecars request for their {@code istio-token}. */
  public static final String ISTIO_AUDIENCE = "istio-ca";

  private static final String BEARER = "Bearer ";
  private static final String POD_NAME_EXTRA = "authentication.kubernetes.io/pod-name";

  private final InOutCreateable<TokenReview, TokenReview> reviews;
  private final List<String> audiences;
  private final Clock clock;
  private final Duration remember;
  private final Duration rememberRefusal;
  private final Cache<String, Outcome> outcomes;

  /** A review's outcome, good until {@code notAfter}. */
  private record Outcome(Optional<Identity> identity, String refusal, Instant notAfter) {}

  /**
   * @param reviews the API server's TokenReview resource
   * @param audiences the token must be issued for one of them; empty means the API server's own
   */
  public TokenReviewAuthenticator(
      InOutCreateable<TokenReview, TokenReview> reviews,
      List<String> audiences,
      Clock clock,
      Duration remember) {
    this.reviews = reviews;
    this.audiences = List.copyOf(audiences);
    this.clock = clock;
    this.remember = remember;
    this.rememberRefusal =
        remember.compareTo(Duration.ofSeconds(5)) < 0 ? remember : Duration.ofSeconds(5);
    this.outcomes =
        CacheBuilder.newBuilder().maximumSize(50_000).expireAfterWrite(remember).build();
  }

  @Override
  public Optional<Identity> authenticate(Metadata headers, Attributes transport)
      throws AuthenticationException {
    String header = headers.get(AUTHORIZATION);
    if (header == null) {
      return Optional.empty();
    }
    if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new AuthenticationException("the authorization header is not \"Bearer <token>\"");
    }
    String token = header.substring(BEARER.length()).trim();
    if (token.isEmpty()) {
      throw new AuthenticationException("the bearer token is empty");
    }
    String key = Hashing.sha256().hashString(token, StandardCharsets.UTF_8).toString();
    Instant now = clock.instant();
    Outcome outcome = outcomes.getIfPresent(key);
    if (outcome == null || !now.isBefore(outcome.notAfter())) {
      outcome = review(token, now);
      outcomes.put(key, outcome);
    }
    if (outcome.identity().isEmpty()) {
      throw new AuthenticationException(outcome.refusal());
    }
    return outcome.identity();
  }

  private Outcome review(String token, Instant now) {
    TokenReview answer;
    try {
      answer =
          reviews.create(
              new TokenReviewBuilder()
                  .withNewSpec()
                  .withToken(token)
                  .withAudiences(audiences)
                  .endSpec()
                  .build());
    } catch (KubernetesClientException e) {
      // Not the caller's fault: it may retry, and nothing is remembered.
      throw Status.UNAVAILABLE
          .withDescription("cannot review the token with the Kubernetes API: " + e.getMessage())
          .asRuntimeException();
    }
    TokenReviewStatus status = answer == null ? null : answer.getStatus();
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
      String why = status == null || status.getError() == null ? "" : ": " + status.getError();
      return new Outcome(
          Optional.empty(),
          "the token was refused by the Kubernetes API" + why,
          now.plus(rememberRefusal));
    }
    UserInfo user = status.getUser();
    String name = user == null || user.getUsername() == null ? "" : user.getUsername();
    Optional<String> boundPod =
        Optional.ofNullable(user == null ? null : user.getExtra())
            .map(extra -> extra.get(POD_NAME_EXTRA))
            .filter(values -> values.size() == 1)
            .map(values -> values.get(0));
    Identity identity =
        new Identity(
            name,
            user == null || user.getGroups() == null ? Set.of() : Set.copyOf(user.getGroups()),
            Identity.ServiceAccountName.fromUserName(name),
            boundPod,
            "token");
    Instant notAfter = now.plus(remember);
    Optional<Instant> expiry = JwtExpiry.of(token);
    if (expiry.isPresent() && expiry.get().isBefore(notAfter)) {
      notAfter = expiry.get();
    }
    return new Outcome(Optional.of(identity), "", notAfter);
  }
}
