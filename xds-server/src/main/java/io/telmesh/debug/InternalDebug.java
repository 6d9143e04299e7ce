package io.telmesh.debug;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.Problem;
import io.telmesh.model.ProblemReports;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker.TypeStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * istiod's {@code istio.io/debug} type, which {@code istioctl x internal-debug NAME} asks for: the
 * resource name is a debug page with an optional query ({@code syncz}, {@code
 * config_dump?proxyID=amf-0.telco}), the answer that page's body as the value of one {@code Any} of
 * type {@code istio.io/debug}, JSON where istiod's is. An unknown page answers as istiod's debug
 * mux does ({@code 404 page not found}), which istioctl turns into the list of pages.
 */
final class InternalDebug {

  static final String TYPE = "istio.io/debug";
  static final String NOT_FOUND = "404 page not found\n";

  private final ProxyViews proxies;
  private final JsonMapper json = JsonMapper.builder().build();

  /** A page: what it is called and how it answers a query. */
  private record Page(String name, Handler handler) {}

  private interface Handler {
    String answer(Map<String, String> query) throws InvalidProtocolBufferException;
  }

  private final Map<String, Page> pages = new TreeMap<>();

  InternalDebug(ProxyViews proxies, Supplier<List<Problem>> problems) {
    this.proxies = proxies;
    // connected proxies and their open xDS streams
    add("adsz", q -> adsz());
    // what a proxy was sent, in Envoy's /config_dump layout (?proxyID=pod.ns)
    add("config_dump", this::configDump);
    add("list", q -> json.writeValueAsString(List.copyOf(pages.keySet())));
    // what telmesh skipped or corrected (telmesh.v1.ProblemReport)
    add("problemz", q -> EnvoyTypes.printer().print(ProblemReports.of(problems.get())));
    // each connected proxy's sent and ACKed nonce per type, istiod's shape (?namespace=ns)
    add("syncz", this::syncz);
  }

  private void add(String name, Handler handler) {
    pages.put(name, new Page(name, handler));
  }

  /** The body of the page a resource name asks for. */
  ByteString page(String resourceName) throws InvalidProtocolBufferException {
    int question = resourceName.indexOf('?');
    String name = question < 0 ? resourceName : resourceName.substring(0, question);
    Page page = pages.get(name);
    if (page == null) {
      return ByteString.copyFromUtf8(NOT_FOUND);
    }
    return ByteString.copyFromUtf8(
        page.handler().answer(query(question < 0 ? "" : resourceName.substring(question + 1))));
  }

  private static Map<String, String> query(String text) {
    Map<String, String> query = new LinkedHashMap<>();
    for (String pair : text.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      query.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }

  private String adsz() {
    List<Map<String, Object>> connections = new ArrayList<>();
    for (ProxyView proxy : proxies.all()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("proxy", proxy.name());
      entry.put("node", proxy.connection().node().id());
      entry.put("connectedAt", proxy.connection().since().toString());
      entry.put("streams", proxy.connection().streams());
      connections.add(entry);
    }
    return json.writerWithDefaultPrettyPrinter().writeValueAsString(connections);
  }

  /** istiod's {@code SyncStatus} fields, one entry per connected proxy. */
  private String syncz(Map<String, String> query) {
    List<Map<String, Object>> statuses = new ArrayList<>();
    Optional<String> namespace = Optional.ofNullable(query.get("namespace"));
    for (ProxyView proxy : proxies.all()) {
      if (namespace.isPresent()
          && !namespace.get().equals(proxy.connection().node().pod().namespace())) {
        continue;
      }
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("cluster_id", metadata(proxy, "CLUSTER_ID"));
      entry.put("proxy", proxy.name());
      entry.put("proxy_type", proxy.connection().node().type().id());
      entry.put("istio_version", metadata(proxy, "ISTIO_VERSION"));
      for (String type : TypeUrls.PUSH_ORDER) {
        String column = column(type);
        TypeStatus status = proxy.status().get(type);
        entry.put(
            column + "_sent",
            status == null ? "" : status.lastSent().map(s -> s.nonce()).orElse(""));
        entry.put(
            column + "_acked",
            status == null ? "" : status.lastAcked().map(s -> s.nonce()).orElse(""));
      }
      statuses.add(entry);
    }
    return json.writerWithDefaultPrettyPrinter().writeValueAsString(statuses);
  }

  private String configDump(Map<String, String> query) throws InvalidProtocolBufferException {
    String proxyId = query.get("proxyID");
    if (proxyId == null || proxyId.isEmpty()) {
      return "You must provide a proxyID in the query string";
    }
    Optional<ProxyView> proxy = proxies.byName(proxyId);
    if (proxy.isEmpty()) {
      return "Proxy not connected to this control plane instance: " + proxyId;
    }
    return EnvoyTypes.printer().print(SentConfigDump.of(proxy.get()));
  }

  private static String metadata(ProxyView proxy, String key) {
    var value = proxy.connection().sent().getMetadata().getFieldsOrDefault(key, null);
    return value == null ? "" : value.getStringValue();
  }

  /** istiod's column names: cluster, endpoint, listener, route. */
  private static String column(String typeUrl) {
    return switch (TypeUrls.shortName(typeUrl)) {
      case "CDS" -> "cluster";
      case "EDS" -> "endpoint";
      case "LDS" -> "listener";
      default -> "route";
    };
  }
}
