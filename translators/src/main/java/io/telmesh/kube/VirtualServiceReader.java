package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.telmesh.model.NamespacedName;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Routing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * A {@code networking.istio.io} VirtualService's {@code http} routes for the mesh: matches on uri
 * and headers (exact, prefix, RE2 regex) and port, weighted destinations (host, subset, port,
 * header operations), timeout, retries, rewrite, fault injection and header operations; and its
 * {@code tcp} routes by Service port. Hosts and destinations keep their spelling here; {@code
 * mesh.VirtualServices} resolves them. What is not applied yet (tcp sourceLabels,
 * destinationSubnets, mirror, redirect, corsPolicy, tls routes, gateways other than {@code mesh})
 * is a problem naming the field.
 */
public final class VirtualServiceReader {

  public static final String KIND = "VirtualService";

  /**
   * A VirtualService as read: its hosts as written, its rules with destinations as written, each
   * with its index in {@code spec.http} (rules left out leave gaps), for problems.
   */
  public record VirtualService(
      NamespacedName key,
      List<String> hosts,
      List<IndexedRule> rules,
      List<IndexedTcpRule> tcp,
      Instant created,
      io.telmesh.model.ExportTo exportTo) {}

  /** A tcp rule and where it is in {@code spec.tcp}. */
  public record IndexedTcpRule(int index, Routing.TcpRule rule) {}

  /** A rule and where it is in {@code spec.http}. */
  public record IndexedRule(int index, Routing.HttpRule rule) {}

  private VirtualServiceReader() {}

  public static boolean isVirtualService(GenericKubernetesResource resource) {
    return IstioObject.is(resource, KIND);
  }

  public static Optional<VirtualService> read(
      GenericKubernetesResource resource, ProblemSink problems) {
    Optional<IstioObject> object = IstioObject.of(resource, KIND, problems);
    if (object.isEmpty()) {
      return Optional.empty();
    }
    NamespacedName key = object.get().key();
    ObjectRef ref = object.get().ref();
    JsonNode spec = object.get().spec();
    JsonNode gateways = spec.path("gateways");
    if (gateways.isArray() && !gateways.isEmpty()) {
      boolean mesh = false;
      for (JsonNode gateway : gateways) {
        mesh |= "mesh".equals(gateway.asString(""));
      }
      if (!mesh) {
        problems.add(
            ref, "spec.gateways", "bound to gateways only: telmesh serves sidecars, not applied");
        return Optional.empty();
      }
    }
    List<String> hosts = new ArrayList<>();
    for (JsonNode host : spec.path("hosts")) {
      String text = host.asString("");
      if (text.isEmpty() || text.contains("*")) {
        problems.add(
            ref,
            "spec.hosts",
            "\""
                + NetworkStatusParser.printable(text)
                + "\": wildcard or empty hosts are not"
                + " applied yet");
        continue;
      }
      hosts.add(text);
    }
    if (hosts.isEmpty()) {
      problems.add(ref, "spec.hosts", "no host telmesh can apply: the VirtualService is ignored");
      return Optional.empty();
    }
    if (spec.path("tls").isArray() && !spec.path("tls").isEmpty()) {
      problems.add(ref, "spec.tls", "tls routes are not applied yet");
    }
    io.telmesh.model.ExportTo exportTo = object.get().exportTo(problems);
    List<IndexedRule> rules = new ArrayList<>();
    JsonNode http = spec.path("http");
    for (int i = 0; i < http.size(); i++) {
      int index = i;
      rule(object.get(), http.get(i), "spec.http[" + i + "]", problems)
          .ifPresent(r -> rules.add(new IndexedRule(index, r)));
    }
    List<IndexedTcpRule> tcp = new ArrayList<>();
    JsonNode tcpRules = spec.path("tcp");
    for (int i = 0; i < tcpRules.size(); i++) {
      int index = i;
      tcpRule(object.get(), tcpRules.get(i), "spec.tcp[" + i + "]", problems)
          .ifPresent(r -> tcp.add(new IndexedTcpRule(index, r)));
    }
    return Optional.of(
        new VirtualService(key, hosts, rules, tcp, object.get().created(), exportTo));
  }

  private static Optional<Routing.HttpRule> rule(
      IstioObject object, JsonNode rule, String path, ProblemSink problems) {
    ObjectRef ref = object.ref();
    for (String unsupported : List.of("mirror", "redirect", "corsPolicy")) {
      if (rule.has(unsupported)) {
        problems.add(ref, path + "." + unsupported, unsupported + " is not applied yet");
      }
    }
    List<Routing.HttpMatch> matches = new ArrayList<>();
    JsonNode matchList = rule.path("match");
    for (int m = 0; m < matchList.size(); m++) {
      String at = path + ".match[" + m + "]";
      Optional<Routing.HttpMatch> match = match(ref, matchList.get(m), at, problems);
      if (match.isEmpty()) {
        // A condition telmesh cannot express must not widen the route: drop the whole rule.
        problems.add(ref, path, "left out: a match condition of it is not applied");
        return Optional.empty();
      }
      matches.add(match.get());
    }
    Optional<List<Routing.WeightedDestination>> destinations =
        destinations(object, rule.path("route"), path, problems);
    if (destinations.isEmpty()) {
      return Optional.empty();
    }
    HttpActions.Read<Routing.Rewrite> rewrite =
        HttpActions.rewrite(object, rule.path("rewrite"), path + ".rewrite", problems);
    if (rewrite.refused()) {
      // Unrewritten, its requests would reach paths or hosts other than the ones asked for.
      problems.add(ref, path, "left out: its rewrite is not applied");
      return Optional.empty();
    }
    HttpActions.Read<Routing.Fault> fault =
        HttpActions.fault(object, rule.path("fault"), path + ".fault", problems);
    if (fault.refused()) {
      problems.add(ref, path + ".fault", "left out: the rule routes without fault injection");
    }
    Routing.HeaderOperations headers =
        HttpActions.headers(object, rule.path("headers"), path + ".headers", problems);
    if (rewrite.value().flatMap(Routing.Rewrite::authority).isPresent()
        && headers.authority().isPresent()) {
      problems.add(
          ref,
          path + ".headers.request",
          "sets the authority that rewrite.authority already sets (Istio's rule): the rewrite's is"
              + " used");
    }
    Optional<Duration> timeout = object.duration(rule.path("timeout"), path + ".timeout", problems);
    Optional<Routing.Retries> retries = Optional.empty();
    JsonNode retry = rule.path("retries");
    if (retry.isObject()) {
      JsonNode attempts = retry.path("attempts");
      if (!attempts.isIntegralNumber() || attempts.intValue() < 0) {
        problems.add(ref, path + ".retries.attempts", "must be a non-negative whole number");
      } else {
        String retryOn = retry.path("retryOn").asString("");
        retries =
            Optional.of(
                new Routing.Retries(
                    attempts.intValue(),
                    object.duration(
                        retry.path("perTryTimeout"), path + ".retries.perTryTimeout", problems),
                    retryOn.isEmpty() ? Optional.empty() : Optional.of(retryOn)));
      }
    }
    return Optional.of(
        new Routing.HttpRule(
            rule.path("name").asString(""),
            matches,
            destinations.get(),
            timeout,
            retries,
            rewrite.value(),
            fault.value(),
            headers));
  }

  /**
   * A rule's {@code routes}: destinations with weights; empty (with problems) if one is unusable.
   */
  private static Optional<List<Routing.WeightedDestination>> destinations(
      IstioObject object, JsonNode routes, String path, ProblemSink problems) {
    ObjectRef ref = object.ref();
    List<Routing.WeightedDestination> destinations = new ArrayList<>();
    for (int r = 0; r < routes.size(); r++) {
      String at = path + ".route[" + r + "]";
      JsonNode destination = routes.get(r).path("destination");
      String host = destination.path("host").asString("");
      if (host.isEmpty() || host.contains("*")) {
        problems.add(ref, at + ".destination.host", "a Service host is required");
        return Optional.empty();
      }
      JsonNode weight = routes.get(r).path("weight");
      int value = 0;
      if (!weight.isMissingNode()) {
        if (!weight.isIntegralNumber() || !weight.canConvertToInt() || weight.intValue() < 0) {
          problems.add(ref, at + ".weight", "must be a non-negative whole number");
          return Optional.empty();
        }
        value = weight.intValue();
      }
      JsonNode port = destination.path("port").path("number");
      OptionalInt portNumber = OptionalInt.empty();
      if (!port.isMissingNode()) {
        if (!port.isIntegralNumber() || !Syntax.isPort(port.longValue())) {
          problems.add(ref, at + ".destination.port.number", "is not a port number");
          return Optional.empty();
        }
        portNumber = OptionalInt.of(port.intValue());
      }
      String subset = destination.path("subset").asString("");
      destinations.add(
          new Routing.WeightedDestination(
              host,
              portNumber,
              subset.isEmpty() ? Optional.empty() : Optional.of(subset),
              value,
              HttpActions.headers(
                  object, routes.get(r).path("headers"), at + ".headers", problems)));
    }
    if (destinations.isEmpty()) {
      problems.add(ref, path + ".route", "a route needs a destination: rule left out");
      return Optional.empty();
    }
    return Optional.of(destinations);
  }

  /**
   * A {@code tcp} rule: matches on the Service port only; {@code destinationSubnets}, {@code
   * sourceLabels} and {@code sourceSubnet} are problems and leave the rule out, never widened.
   */
  private static Optional<Routing.TcpRule> tcpRule(
      IstioObject object, JsonNode rule, String path, ProblemSink problems) {
    ObjectRef ref = object.ref();
    List<Routing.TcpMatch> tcpMatches = new ArrayList<>();
    JsonNode matches = rule.path("match");
    for (int m = 0; m < matches.size(); m++) {
      JsonNode match = matches.get(m);
      String at = path + ".match[" + m + "]";
      for (String unsupported : List.of("sourceSubnet", "gateways")) {
        if (match.has(unsupported)) {
          problems.add(ref, at + "." + unsupported, unsupported + " matches are not applied yet");
          problems.add(ref, path, "left out: a match condition of it is not applied");
          return Optional.empty();
        }
      }
      JsonNode port = match.path("port");
      if (!port.isIntegralNumber() || !Syntax.isPort(port.longValue())) {
        problems.add(ref, at + ".port", "a port number is required: rule left out");
        return Optional.empty();
      }
      Optional<java.util.SortedMap<String, String>> sourceLabels =
          sourceLabels(ref, match, at + ".sourceLabels", problems);
      if (sourceLabels.isEmpty()) {
        problems.add(ref, path, "left out: a match condition of it is not applied");
        return Optional.empty();
      }
      List<String> subnets = new ArrayList<>();
      JsonNode subnetNodes = match.path("destinationSubnets");
      for (int n = 0; n < subnetNodes.size(); n++) {
        Optional<String> cidr = Cidr.parse(subnetNodes.get(n).asString(""));
        if (cidr.isEmpty()) {
          problems.add(
              ref,
              at + ".destinationSubnets[" + n + "]",
              "'"
                  + NetworkStatusParser.printable(subnetNodes.get(n).asString(""))
                  + "' is not an address or a CIDR range: rule left out");
          return Optional.empty();
        }
        subnets.add(cidr.get());
      }
      tcpMatches.add(new Routing.TcpMatch(port.intValue(), sourceLabels.get(), subnets));
    }
    return destinations(object, rule.path("route"), path, problems)
        .map(destinations -> new Routing.TcpRule(tcpMatches, destinations));
  }

  /**
   * A match's {@code sourceLabels}: empty map when absent; no value (a problem) when it is not a
   * map of valid labels, so the match is never widened to every client.
   */
  private static Optional<java.util.SortedMap<String, String>> sourceLabels(
      ObjectRef ref, JsonNode match, String path, ProblemSink problems) {
    if (match.has("sourceLabels") && !match.path("sourceLabels").isObject()) {
      problems.add(ref, path, "is not a map of labels: the match is not applied");
      return Optional.empty();
    }
    return IstioObject.labels(
        ref, match.path("sourceLabels"), path, "the match is not applied", problems);
  }

  /** The match fields istiod turns into header matchers, and the pseudo-header of each. */
  private static final Map<String, String> PSEUDO_HEADERS =
      Map.of("method", ":method", "authority", ":authority", "scheme", ":scheme");

  private static Optional<Routing.HttpMatch> match(
      ObjectRef ref, JsonNode match, String path, ProblemSink problems) {
    Optional<Routing.StringMatch> uri = Optional.empty();
    if (match.has("uri")) {
      uri = stringMatch(ref, match.path("uri"), path + ".uri", false, problems);
      if (uri.isEmpty()) {
        return Optional.empty();
      }
    }
    Map<String, Routing.StringMatch> headers = new TreeMap<>();
    for (Map.Entry<String, JsonNode> header : match.path("headers").properties()) {
      Optional<Routing.StringMatch> condition =
          stringMatch(ref, header.getValue(), path + ".headers." + header.getKey(), true, problems);
      if (condition.isEmpty()) {
        return Optional.empty();
      }
      headers.put(header.getKey().toLowerCase(java.util.Locale.ROOT), condition.get());
    }
    // As istiod: method, authority and scheme are matched as their HTTP/2 pseudo-headers.
    for (Map.Entry<String, String> pseudo : PSEUDO_HEADERS.entrySet()) {
      if (match.has(pseudo.getKey())) {
        Optional<Routing.StringMatch> condition =
            stringMatch(
                ref, match.path(pseudo.getKey()), path + "." + pseudo.getKey(), false, problems);
        if (condition.isEmpty()) {
          return Optional.empty();
        }
        headers.put(pseudo.getValue(), condition.get());
      }
    }
    OptionalInt port = OptionalInt.empty();
    if (match.has("port")) {
      JsonNode number = match.path("port");
      if (!number.isIntegralNumber() || !Syntax.isPort(number.longValue())) {
        problems.add(ref, path + ".port", "is not a port number");
        return Optional.empty();
      }
      port = OptionalInt.of(number.intValue());
    }
    Optional<java.util.SortedMap<String, String>> labels =
        sourceLabels(ref, match, path + ".sourceLabels", problems);
    if (labels.isEmpty()) {
      return Optional.empty();
    }
    Optional<Map<String, Routing.StringMatch>> query =
        conditions(ref, match.path("queryParams"), path + ".queryParams", false, problems);
    Optional<Map<String, Routing.StringMatch>> without =
        conditions(ref, match.path("withoutHeaders"), path + ".withoutHeaders", true, problems);
    if (query.isEmpty() || without.isEmpty()) {
      return Optional.empty();
    }
    for (String name : without.get().keySet()) {
      if (name.startsWith(":")) {
        // A pseudo-header's absence cannot be stated safely: the rule would match everything else.
        problems.add(ref, path + ".withoutHeaders." + name, "a pseudo-header cannot be excluded");
        return Optional.empty();
      }
    }
    return Optional.of(
        new Routing.HttpMatch(uri, headers, port, labels.get(), query.get(), without.get()));
  }

  /**
   * A map of names to string conditions ({@code queryParams}, {@code withoutHeaders}); empty (a
   * problem) when any entry is bad, so the match is never widened.
   *
   * @param header whether names are header names (compared lower-case)
   */
  private static Optional<Map<String, Routing.StringMatch>> conditions(
      ObjectRef ref, JsonNode node, String path, boolean header, ProblemSink problems) {
    Map<String, Routing.StringMatch> conditions = new TreeMap<>();
    if (node.isMissingNode() || node.isNull()) {
      return Optional.of(conditions);
    }
    if (!node.isObject()) {
      problems.add(ref, path, "is not a map: the match is not applied");
      return Optional.empty();
    }
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      if (entry.getKey().isEmpty() || !entry.getKey().chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        problems.add(ref, path, "has an empty or unprintable name: the match is not applied");
        return Optional.empty();
      }
      Optional<Routing.StringMatch> condition =
          stringMatch(ref, entry.getValue(), path + "." + entry.getKey(), header, problems);
      if (condition.isEmpty()) {
        return Optional.empty();
      }
      conditions.put(
          header ? entry.getKey().toLowerCase(java.util.Locale.ROOT) : entry.getKey(),
          condition.get());
    }
    return Optional.of(conditions);
  }

  private static Optional<Routing.StringMatch> stringMatch(
      ObjectRef ref, JsonNode node, String path, boolean header, ProblemSink problems) {
    if (node.path("exact").isString()) {
      return Optional.of(
          new Routing.StringMatch(
              Routing.StringMatch.Kind.EXACT, node.path("exact").stringValue()));
    }
    if (node.path("prefix").isString()) {
      return Optional.of(
          new Routing.StringMatch(
              Routing.StringMatch.Kind.PREFIX, node.path("prefix").stringValue()));
    }
    if (node.path("regex").isString()) {
      String regex = node.path("regex").stringValue();
      if (header && regex.equals("*")) {
        // Istio's reading: "*" is not RE2 here but "the header is present".
        return Optional.of(new Routing.StringMatch(Routing.StringMatch.Kind.PRESENT, ""));
      }
      Optional<String> refusal = Re2Check.refusal(regex);
      if (refusal.isPresent()) {
        problems.add(ref, path + ".regex", refusal.get() + ": never sent to Envoy");
        return Optional.empty();
      }
      return Optional.of(new Routing.StringMatch(Routing.StringMatch.Kind.REGEX, regex));
    }
    problems.add(ref, path, "needs exact, prefix or regex (a string)");
    return Optional.empty();
  }
}
