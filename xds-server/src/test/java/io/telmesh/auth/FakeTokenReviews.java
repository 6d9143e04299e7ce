package io.telmesh.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The TokenReview endpoint of a mock API server: each known token names a user (and, optionally, a
 * pod it is bound to); anything else is refused as an API server refuses it. The reviews asked for
 * are kept, so tests can see the audiences sent and count the calls.
 */
final class FakeTokenReviews extends Dispatcher {

  record User(String name, List<String> groups, String boundPod) {}

  private final Map<String, User> tokens = new ConcurrentHashMap<>();
  final List<TokenReview> asked = new CopyOnWriteArrayList<>();

  FakeTokenReviews token(String token, String user, String boundPod) {
    tokens.put(token, new User(user, List.of("system:serviceaccounts"), boundPod));
    return this;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    if (!"/apis/authentication.k8s.io/v1/tokenreviews".equals(request.getPath())
        || !"POST".equals(request.getMethod())) {
      return new MockResponse().setResponseCode(404);
    }
    TokenReview review = Serialization.unmarshal(request.getUtf8Body(), TokenReview.class);
    asked.add(review);
    User user = tokens.get(review.getSpec().getToken());
    TokenReviewStatusBuilder status = new TokenReviewStatusBuilder();
    if (user == null) {
      status.withAuthenticated(false).withError("[invalid bearer token, token has expired]");
    } else {
      status
          .withAuthenticated(true)
          .withAudiences(review.getSpec().getAudiences())
          .withNewUser()
          .withUsername(user.name())
          .withGroups(user.groups())
          .withExtra(
              user.boundPod() == null
                  ? Map.of()
                  : Map.of("authentication.kubernetes.io/pod-name", List.of(user.boundPod())))
          .endUser();
    }
    review.setStatus(status.build());
    return new MockResponse()
        .setResponseCode(201)
        .setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(review));
  }
}
