package io.telmesh.http;

import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.Problem;
import io.telmesh.model.ProblemReports;
import io.telmesh.overview.OverviewJson;
import io.telmesh.overview.OverviewSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * HTTP monitoring: {@code /metrics}, {@code /ready}, {@code /debug/problems}, {@code /healthz}, the
 * mesh page on {@code /} with its JSON ({@code /api/v1/mesh}, {@code /api/v1/proxies}), on Jetty.
 * The kubelet's probes must get an answer whatever other clients do, so: exact paths only (anything
 * else is 404), {@code GET} and {@code HEAD} only (405), request headers capped (431), request
 * bodies never read, idle connections closed, and a bounded number of connections. Jetty reads
 * requests on its selector, not on a worker, so clients that drip their headers hold a connection
 * but no thread.
 */
public final class MonitoringServer implements AutoCloseable {

  /** Request line and headers together; Jetty answers 431 beyond it. */
  static final int MAX_HEADER_BYTES = 8 * 1024;

  /** A connection that sends nothing for this long is closed. */
  static final long IDLE_TIMEOUT_MS = 10_000;

  static final int MAX_CONNECTIONS = 256;

  private static final int MAX_THREADS = 8;

  private final Server server;
  private final ServerConnector connector;

  /**
   * The page may run only its own script and style, whatever a hostile object name in the data
   * tries: the script renders with {@code textContent}, and this forbids inline code besides.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
          + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** What one path answers. */
  private record Page(int status, String contentType, String body) {}

  public MonitoringServer(
      InetSocketAddress address,
      TelmeshMetrics metrics,
      BooleanSupplier ready,
      Supplier<List<Problem>> problems,
      OverviewSource overview) {
    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
    threads.setName("monitoring-http");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(IDLE_TIMEOUT_MS);
    server.addConnector(connector);
    server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
    OverviewJson json = new OverviewJson();
    Map<String, Supplier<Page>> pages =
        Map.ofEntries(
            asset("/", "index.html", "text/html; charset=utf-8"),
            asset("/mesh.js", "mesh.js", "text/javascript; charset=utf-8"),
            asset("/mesh.css", "mesh.css", "text/css; charset=utf-8"),
            Map.entry(
                "/api/v1/mesh",
                () -> new Page(200, "application/json", json.write(overview.overview()))),
            Map.entry(
                "/api/v1/proxies",
                () -> new Page(200, "application/json", json.write(overview.proxies()))),
            Map.entry(
                "/metrics",
                () -> new Page(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape())),
            Map.entry(
                "/ready",
                () ->
                    ready.getAsBoolean()
                        ? new Page(200, "text/plain; charset=utf-8", "ready\n")
                        : new Page(503, "text/plain; charset=utf-8", "not ready\n")),
            Map.entry("/healthz", () -> new Page(200, "text/plain; charset=utf-8", "ok\n")),
            Map.entry("/debug/problems", () -> problemsPage(problems.get())));
    server.setHandler(new Pages(pages));
  }

  /** A file of the page, read once from the jar. */
  private static Map.Entry<String, Supplier<Page>> asset(
      String path, String resource, String contentType) {
    String body = StaticAssets.read(resource);
    Page page = new Page(200, contentType, body);
    return Map.entry(path, () -> page);
  }

  private static Page problemsPage(List<Problem> problems) {
    try {
      return new Page(
          200, "application/json", EnvoyTypes.printer().print(ProblemReports.of(problems)) + "\n");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      // Only unknown Any types fail to print, and problem reports hold none.
      throw new IllegalStateException(e);
    }
  }

  public void start() throws IOException {
    try {
      server.start();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      // stopping is best effort; the process is going away
    }
  }

  /** Exact paths, GET and HEAD. */
  private static final class Pages extends Handler.Abstract {

    private final Map<String, Supplier<Page>> pages;

    Pages(Map<String, Supplier<Page>> pages) {
      this.pages = pages;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Supplier<Page> page = pages.get(Request.getPathInContext(request));
      if (page == null) {
        Response.writeError(request, response, callback, 404);
        return true;
      }
      boolean head = HttpMethod.HEAD.is(request.getMethod());
      if (!head && !HttpMethod.GET.is(request.getMethod())) {
        response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        Response.writeError(request, response, callback, 405);
        return true;
      }
      Page answer = page.get();
      byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
      response.setStatus(answer.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      response.getHeaders().put("X-Content-Type-Options", "nosniff");
      response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), callback);
      return true;
    }
  }
}
