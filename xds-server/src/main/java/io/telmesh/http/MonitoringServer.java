package io.telmesh.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.telmesh.envoy.EnvoyTypes;
import io.telmesh.model.Problem;
import io.telmesh.model.ProblemReports;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** HTTP monitoring: {@code /metrics}, {@code /ready}, {@code /debug/problems}, {@code /healthz}. */
public final class MonitoringServer implements AutoCloseable {

  private final HttpServer server;

  public MonitoringServer(
      InetSocketAddress address,
      TelmeshMetrics metrics,
      BooleanSupplier ready,
      Supplier<List<Problem>> problems)
      throws IOException {
    server = HttpServer.create(address, 0);
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread thread = new Thread(r, "monitoring-http");
              thread.setDaemon(true);
              return thread;
            }));
    server.createContext(
        "/metrics",
        exchange ->
            send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.createContext(
        "/ready",
        exchange -> {
          boolean isReady = ready.getAsBoolean();
          send(
              exchange,
              isReady ? 200 : 503,
              "text/plain; charset=utf-8",
              isReady ? "ready\n" : "not ready\n");
        });
    server.createContext(
        "/healthz", exchange -> send(exchange, 200, "text/plain; charset=utf-8", "ok\n"));
    server.createContext(
        "/debug/problems",
        exchange ->
            send(
                exchange,
                200,
                "application/json",
                EnvoyTypes.printer().print(ProblemReports.of(problems.get())) + "\n"));
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
