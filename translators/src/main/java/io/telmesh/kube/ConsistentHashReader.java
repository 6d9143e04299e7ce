package io.telmesh.kube;

import io.telmesh.envoy.Durations;
import io.telmesh.model.TrafficPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A DestinationRule's {@code loadBalancer.consistentHash}, validated as Istio validates it (one
 * hash key and one algorithm, as its oneofs allow; a cookie needs a name; a Maglev table size is a
 * prime below 5000011) and as Envoy would accept it (a ring of at most 8388608 entries). Anything
 * refused is a problem and leaves the whole consistentHash out, so the cluster keeps its default
 * load balancer rather than hashing on something other than what was asked.
 */
final class ConsistentHashReader {

  /** Envoy's bound on {@code ring_hash_lb_config.minimum_ring_size}. */
  static final long MAX_RING_SIZE = 8_388_608L;

  /** Istio's bound on {@code maglev.tableSize} (exclusive), Envoy's largest allowed prime. */
  static final long MAGLEV_TABLE_LIMIT = 5_000_011L;

  /** Envoy's default ring, which istiod writes out when no algorithm is given. */
  static final long DEFAULT_RING_SIZE = 1024L;

  private static final List<String> KEYS =
      List.of("httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName");

  private ConsistentHashReader() {}

  static Optional<TrafficPolicy.ConsistentHash> read(
      IstioObject object, JsonNode hash, String path, ProblemSink problems) {
    if (!hash.isObject()) {
      problems.add(object.ref(), path, "is not an object: left out");
      return Optional.empty();
    }
    List<String> keys = KEYS.stream().filter(hash::has).toList();
    if (keys.size() > 1) {
      problems.add(
          object.ref(),
          path,
          "sets " + String.join(" and ", keys) + ": Istio allows one hash key, left out");
      return Optional.empty();
    }
    Optional<Optional<TrafficPolicy.HashKey>> key =
        keys.isEmpty()
            ? Optional.of(Optional.empty())
            : key(object, hash, keys.get(0), path + "." + keys.get(0), problems);
    Optional<TrafficPolicy.Table> table = table(object, hash, path, problems);
    if (key.isEmpty() || table.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new TrafficPolicy.ConsistentHash(key.get(), table.get()));
  }

  /** The key; empty when it is refused, an empty key for {@code useSourceIp: false}. */
  private static Optional<Optional<TrafficPolicy.HashKey>> key(
      IstioObject object, JsonNode hash, String field, String path, ProblemSink problems) {
    JsonNode value = hash.path(field);
    if (field.equals("useSourceIp")) {
      if (!value.isBoolean()) {
        problems.add(object.ref(), path, "is not true or false: consistentHash left out");
        return Optional.empty();
      }
      return Optional.of(
          value.booleanValue() ? Optional.of(new TrafficPolicy.SourceIpKey()) : Optional.empty());
    }
    if (field.equals("httpCookie")) {
      Optional<TrafficPolicy.HashKey> cookie = cookie(object, value, path, problems);
      return cookie.isPresent() ? Optional.of(cookie) : Optional.empty();
    }
    boolean header = field.equals("httpHeaderName");
    // A pseudo-header such as :authority is a header Envoy can hash on too.
    String bare =
        value.isString() && header && value.stringValue().startsWith(":")
            ? value.stringValue().substring(1)
            : value.asString("");
    if (!value.isString() || !isToken(bare)) {
      problems.add(
          object.ref(),
          path,
          "is not a " + (header ? "header" : "query parameter") + " name: consistentHash left out");
      return Optional.empty();
    }
    String name = value.stringValue();
    return Optional.of(
        Optional.of(
            header
                ? new TrafficPolicy.HeaderKey(name)
                : new TrafficPolicy.QueryParameterKey(name)));
  }

  private static Optional<TrafficPolicy.HashKey> cookie(
      IstioObject object, JsonNode cookie, String path, ProblemSink problems) {
    JsonNode name = cookie.path("name");
    if (!name.isString() || !isToken(name.stringValue())) {
      problems.add(
          object.ref(), path + ".name", "a cookie name is required: consistentHash left out");
      return Optional.empty();
    }
    Optional<String> cookiePath = Optional.empty();
    JsonNode pathNode = cookie.path("path");
    if (!pathNode.isMissingNode() && !pathNode.isNull()) {
      if (!pathNode.isString() || !isPrintable(pathNode.stringValue())) {
        problems.add(object.ref(), path + ".path", "is not a path: consistentHash left out");
        return Optional.empty();
      }
      cookiePath = Optional.of(pathNode.stringValue()).filter(p -> !p.isEmpty());
    }
    Optional<Duration> ttl = Optional.empty();
    JsonNode ttlNode = cookie.path("ttl");
    if (!ttlNode.isMissingNode() && !ttlNode.isNull()) {
      // 0s is meaningful here (a session cookie), so not Istio's at-least-1ms rule.
      ttl = ttlNode.isString() ? Durations.parseGo(ttlNode.stringValue()) : Optional.empty();
      if (ttl.isEmpty()) {
        problems.add(
            object.ref(),
            path + ".ttl",
            "is not a duration such as 30s or 1h: consistentHash left out");
        return Optional.empty();
      }
    }
    List<TrafficPolicy.CookieAttribute> attributes = new ArrayList<>();
    JsonNode list = cookie.path("attributes");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode attribute = list.get(i);
      String at = path + ".attributes[" + i + "]";
      String attributeName = attribute.path("name").asString("");
      JsonNode attributeValue = attribute.path("value");
      if (!isToken(attributeName)
          || !seen.add(attributeName)
          || !(attributeValue.isMissingNode() || attributeValue.isString())
          || !isPrintable(attributeValue.asString(""))) {
        problems.add(
            object.ref(),
            at,
            "needs a name, once each, and a text value (Istio's rule): consistentHash left out");
        return Optional.empty();
      }
      attributes.add(new TrafficPolicy.CookieAttribute(attributeName, attributeValue.asString("")));
    }
    return Optional.of(
        new TrafficPolicy.CookieKey(name.stringValue(), cookiePath, ttl, attributes));
  }

  private static Optional<TrafficPolicy.Table> table(
      IstioObject object, JsonNode hash, String path, ProblemSink problems) {
    boolean ring = hash.has("ringHash");
    boolean maglev = hash.has("maglev");
    boolean deprecated = hash.has("minimumRingSize");
    if ((ring ? 1 : 0) + (maglev ? 1 : 0) + (deprecated ? 1 : 0) > 1) {
      problems.add(
          object.ref(),
          path,
          "only one of ringHash, maglev and minimumRingSize may be set (Istio's rule):"
              + " consistentHash left out");
      return Optional.empty();
    }
    if (maglev) {
      String at = path + ".maglev.tableSize";
      JsonNode size = hash.path("maglev").path("tableSize");
      if (!size.isIntegralNumber()
          || !size.canConvertToLong()
          || size.longValue() <= 0
          || size.longValue() >= MAGLEV_TABLE_LIMIT
          || !isPrime(size.longValue())) {
        problems.add(
            object.ref(),
            at,
            "must be a prime number below "
                + MAGLEV_TABLE_LIMIT
                + " (Istio's rule): consistentHash left out");
        return Optional.empty();
      }
      return Optional.of(new TrafficPolicy.Maglev(size.longValue()));
    }
    if (ring) {
      return ringSize(object, hash.path("ringHash"), path + ".ringHash.minimumRingSize", problems)
          .<TrafficPolicy.Table>map(TrafficPolicy.RingHash::new);
    }
    // No algorithm: istiod's ring of the deprecated size, else of Envoy's default written out.
    return ringSize(object, hash, path + ".minimumRingSize", problems)
        .<TrafficPolicy.Table>map(
            size -> new TrafficPolicy.RingHash(OptionalLong.of(size.orElse(DEFAULT_RING_SIZE))));
  }

  /** A ring size, empty inside when unset or 0 (unset to Istio); empty when refused. */
  private static Optional<OptionalLong> ringSize(
      IstioObject object, JsonNode parent, String path, ProblemSink problems) {
    JsonNode size = parent.path("minimumRingSize");
    if (size.isMissingNode() || size.isNull()) {
      return Optional.of(OptionalLong.empty());
    }
    if (!size.isIntegralNumber()
        || !size.canConvertToLong()
        || size.longValue() < 0
        || size.longValue() > MAX_RING_SIZE) {
      problems.add(
          object.ref(),
          path,
          "must be a whole number up to "
              + MAX_RING_SIZE
              + " (Envoy's bound): consistentHash left out");
      return Optional.empty();
    }
    return Optional.of(
        size.longValue() == 0 ? OptionalLong.empty() : OptionalLong.of(size.longValue()));
  }

  /** Envoy's primality test, which Istio copies for the Maglev table size. */
  static boolean isPrime(long x) {
    if (x != 0 && x < 4) {
      return true;
    }
    if ((x & 1) == 0) {
      return false;
    }
    for (long factor = 3; factor * factor <= x; factor += 2) {
      if (x % factor == 0) {
        return false;
      }
    }
    return true;
  }

  /** An HTTP token (RFC 9110), as header, cookie and query parameter names are. */
  static boolean isToken(String text) {
    if (text.isEmpty() || text.length() > 256) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** Text without control characters, which Envoy refuses in header values. */
  static boolean isPrintable(String text) {
    return text.length() <= 16384 && text.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
  }
}
