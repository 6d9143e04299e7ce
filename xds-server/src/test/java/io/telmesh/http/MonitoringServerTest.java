package io.telmesh.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.telmesh.debug.ProxySync;
import io.telmesh.model.MeshState;
import io.telmesh.overview.MeshOverview;
import io.telmesh.overview.MeshOverviewBuilder;
import io.telmesh.overview.OverviewSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The monitoring port as a kubelet and a hostile client see it, over raw sockets: exact paths,
 * GET/HEAD only, oversized headers refused, bodies never waited for, slow clients unable to keep
 * the readiness probe from being answered.
 */
class MonitoringServerTest {

  private final AtomicBoolean ready = new AtomicBoolean(true);
  private MonitoringServer server;

  @BeforeEach
  void start() throws IOException {
    server =
        new MonitoringServer(
            new InetSocketAddress("127.0.0.1", 0),
            new TelmeshMetrics(() -> 3, () -> 4),
            ready::get,
            List::of,
            new OverviewSource() {
              @Override
              public MeshOverview overview() {
                return MeshOverviewBuilder.build(
                    java.time.Instant.EPOCH, 0, false, MeshState.EMPTY, List.of(), List.of());
              }

              @Override
              public List<ProxySync> proxies() {
                return List.of();
              }
            });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Sends raw bytes and reads the whole answer (the server closes or answers within 5 s). */
  private String exchange(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readAnswer(socket.getInputStream());
    }
  }

  private static String readAnswer(InputStream in) throws IOException {
    StringBuilder answer = new StringBuilder();
    byte[] buffer = new byte[8192];
    try {
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        if (complete(answer)) {
          break;
        }
      }
    } catch (java.net.SocketException reset) {
      // the server may reset after answering; what arrived is the answer
    }
    return answer.toString();
  }

  private static boolean complete(StringBuilder answer) {
    int end = answer.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    String head = answer.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    int at = head.indexOf("content-length: ");
    if (at < 0) {
      return true;
    }
    int length = Integer.parseInt(head.substring(at + 16).split("\r\n")[0].strip());
    return answer.length() - end - 4 >= length;
  }

  private static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  }

  private static String status(String answer) {
    return answer.isEmpty() ? "(nothing)" : answer.substring(0, answer.indexOf("\r\n"));
  }

  @Test
  void exactPathsOnly() throws IOException {
    assertThat(status(exchange(get("/ready")))).isEqualTo("HTTP/1.1 200 OK");
    assertThat(exchange(get("/metrics"))).contains("telmesh_proxies_connected 3.0");
    assertThat(exchange(get("/debug/problems"))).contains("200 OK");
    assertThat(status(exchange(get("/healthz")))).contains("200");
    assertThat(status(exchange(get("/ready?verbose=1"))))
        .as("a query is not a path")
        .contains("200");
    for (String path :
        List.of(
            "/ready/", "/debug/problems/x", "/readyz", "/index.html", "/metrics/x", "/api/v1")) {
      assertThat(status(exchange(get(path)))).as(path).isEqualTo("HTTP/1.1 404 Not Found");
    }
    ready.set(false);
    assertThat(status(exchange(get("/ready")))).contains("503");
  }

  @Test
  void theMeshPageLoadsOnlyItsOwnFilesAndItsJsonIsServed() throws IOException {
    String page = exchange(get("/"));
    assertThat(status(page)).isEqualTo("HTTP/1.1 200 OK");
    assertThat(page)
        .contains("Content-Type: text/html", "Content-Security-Policy: default-src 'none'")
        .contains("src=\"/mesh.js\"", "href=\"/mesh.css\"");
    // Nothing from elsewhere: every src and href is one of our own paths.
    java.util.regex.Matcher refs =
        java.util.regex.Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(page);
    int count = 0;
    while (refs.find()) {
      count++;
      assertThat(refs.group(1)).as("a reference on the page").startsWith("/");
      assertThat(status(exchange(get(refs.group(1))))).as(refs.group(1)).contains("200");
    }
    assertThat(count).isGreaterThanOrEqualTo(6);
    assertThat(exchange(get("/mesh.js")))
        .contains("Content-Type: text/javascript", "textContent")
        .doesNotContain("innerHTML");
    String mesh = exchange(get("/api/v1/mesh"));
    assertThat(mesh)
        .contains("Content-Type: application/json", "\"networks\"", "\"ready\" : false");
    assertThat(exchange(get("/api/v1/proxies"))).contains("200 OK").endsWith("[ ]\n");
  }

  @Test
  void getAndHeadOnly() throws IOException {
    String head = exchange("HEAD /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(status(head)).contains("200");
    assertThat(head).endsWith("\r\n\r\n");
    for (String method : List.of("DELETE", "POST", "PUT", "BREW", "OPTIONS")) {
      String answer =
          exchange(
              method
                  + " /ready HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      assertThat(status(answer)).as(method).contains("405");
      assertThat(answer.toLowerCase(java.util.Locale.ROOT)).contains("allow: get, head");
    }
  }

  @Test
  void anOversizedHeaderIs431() throws IOException {
    String answer =
        exchange(
            "GET /ready HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "a".repeat(1 << 20)
                + "\r\nConnection: close\r\n\r\n");
    assertThat(status(answer)).contains("431");
  }

  @Test
  void aPromisedBodyThatNeverComesIsNotWaitedFor() throws IOException {
    String answer =
        exchange(
            "GET /ready HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n"
                + "b".repeat(1024));
    assertThat(status(answer)).isEqualTo("HTTP/1.1 200 OK");
  }

  @Test
  void clientsThatDripTheirHeadersDoNotStopTheReadinessProbe() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket
            .getOutputStream()
            .write(
                "GET /ready HTTP/1.1\r\nHost: x\r\nX-Slow: a"
                    .getBytes(StandardCharsets.ISO_8859_1));
        slow.add(socket);
      }
      for (int round = 0; round < 3; round++) {
        for (Socket socket : slow) {
          socket.getOutputStream().write('a');
        }
        // Each probe must be answered while twenty clients hold their requests open.
        assertThat(status(exchange(get("/ready")))).isEqualTo("HTTP/1.1 200 OK");
      }
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }
}
