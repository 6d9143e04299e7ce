package io.telmesh.e2e.serve;

import io.telmesh.cli.Main;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code telmesh serve} in its own process, on loopback with free ports, its log in a file: the way
 * operators run it, so a crash or an exit is seen as one.
 */
public final class ServeProcess implements AutoCloseable {

  /**
   * A port found free can be taken before serve binds it (an outgoing connection's ephemeral port,
   * say): serve is then started again on other ports, this many times in all.
   */
  private static final int LAUNCHES = 3;

  private static final String PORT_TAKEN = "address already in use";

  private final Path log;
  private final List<String> args;
  private final HttpClient http = HttpClient.newHttpClient();
  private Process process;
  private int xdsPort;
  private int monitoringPort;
  private int launches;
  private long logOffset;

  private ServeProcess(Path log, List<String> args) {
    this.log = log;
    this.args = args;
  }

  /** Starts {@code telmesh serve ARGS --bind 127.0.0.1 --xds-port … --monitoring-port …}. */
  public static ServeProcess start(Path log, String... args) throws IOException {
    ServeProcess serve = new ServeProcess(log, List.of(args));
    serve.launch();
    return serve;
  }

  /** Launches serve on new free ports; a later launch appends to the log, so each try shows. */
  private void launch() throws IOException {
    xdsPort = freePort();
    monitoringPort = freePort();
    List<String> command = telmesh("serve");
    command.addAll(args);
    command.addAll(
        List.of(
            "--bind",
            "127.0.0.1",
            "--xds-port",
            Integer.toString(xdsPort),
            "--monitoring-port",
            Integer.toString(monitoringPort)));
    logOffset = launches == 0 ? 0 : Files.size(log);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                launches == 0
                    ? ProcessBuilder.Redirect.to(log.toFile())
                    : ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    launches++;
  }

  /** Whether the last launch exited because one of its ports was taken, with launches left. */
  private boolean relaunchable() throws IOException {
    if (process.isAlive() || launches >= LAUNCHES) {
      return false;
    }
    String text = log();
    return text.substring((int) Math.min(logOffset, text.length())).contains(PORT_TAKEN);
  }

  /** {@code telmesh ARGS} as a command line: this JVM's java on the test classpath. */
  public static List<String> telmesh(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public int xdsPort() {
    return xdsPort;
  }

  public int monitoringPort() {
    return monitoringPort;
  }

  public boolean alive() {
    return process.isAlive();
  }

  public String log() throws IOException {
    return Files.readString(log);
  }

  /** A monitoring path's status and body; status 0 when nothing answers. */
  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + monitoringPort + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The body of a monitoring path once it satisfies the condition; fails with the log if never. */
  public String await(String path, Predicate<String> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
      if (relaunchable()) {
        launch();
        continue;
      }
      if (!process.isAlive()) {
        throw new AssertionError("serve exited " + process.exitValue() + "; log:\n" + log());
      }
      try {
        HttpResponse<String> response = get(path);
        last = response.statusCode() + " " + response.body();
        if (response.statusCode() == 200 && condition.test(response.body())) {
          return response.body();
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        path + " never matched in " + timeout + "; last: " + last + "\nlog:\n" + log());
  }

  public void awaitReady(Duration timeout) throws Exception {
    await("/ready", body -> true, timeout);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
