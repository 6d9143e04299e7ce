package io.telmesh.auth;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code exp} claim of a JWT, read without checking the signature: it only bounds how long a
 * review the API server made is reused, it never admits anyone by itself.
 */
final class JwtExpiry {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private JwtExpiry() {}

  static Optional<Instant> of(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Optional.empty();
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
      JsonNode exp = JSON.readTree(new String(payload, StandardCharsets.UTF_8)).path("exp");
      return exp.isNumber() ? Optional.of(Instant.ofEpochSecond(exp.asLong())) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty(); // not a JWT we can read: the review alone decides
    }
  }
}
