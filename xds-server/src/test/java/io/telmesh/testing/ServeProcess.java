package io.telmesh.testing;

import io.telmesh.cli.Main;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code telmesh serve} in its own process, on loopback, its log in a file: the way operators run
 * it, so a crash or an exit is seen as one. It listens on ports the kernel picks (port 0) and the
 * test reads them from what serve prints: a port found free and handed over could be taken in
 * between, an outgoing connection's ephemeral port say.
 */
public final class ServeProcess implements AutoCloseable {

  private static final Duration LISTENING = Duration.ofMinutes(2);
  private static final Pattern XDS = Pattern.compile("(?m)^  xDS \\(.*\\) on \\S+:(\\d+)$");
  private static final Pattern SECURE = Pattern.compile("(?m)^  xDS over TLS on \\S+:(\\d+)$");
  private static final Pattern MONITORING =
      Pattern.compile("(?m)^  monitoring on http://\\S+:(\\d+) ");

  private final Path log;
  private final Process process;
  private final Ports ports;
  private final HttpClient http = HttpClient.newHttpClient();

  /** Where serve said it listens. */
  private record Ports(int xds, OptionalInt secure, int monitoring) {}

  private ServeProcess(Path log, Process process, Ports ports) {
    this.log = log;
    this.process = process;
    this.ports = ports;
  }

  /**
   * Starts {@code telmesh serve ARGS --bind 127.0.0.1 --xds-port 0 --monitoring-port 0} and waits
   * until it says where it listens; a {@code --secure-port 0} in ARGS is read back too.
   */
  public static ServeProcess start(Path log, String... args)
      throws IOException, InterruptedException {
    List<String> command = telmesh("serve");
    command.addAll(List.of(args));
    command.addAll(List.of("--bind", "127.0.0.1", "--xds-port", "0", "--monitoring-port", "0"));
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      return new ServeProcess(log, process, awaitPorts(process, log));
    } catch (AssertionError | IOException | InterruptedException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** Reads the ports from serve's banner; the monitoring line is printed after the xDS ones. */
  private static Ports awaitPorts(Process process, Path log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + LISTENING.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.readString(log);
      Matcher monitoring = MONITORING.matcher(text);
      if (monitoring.find()) {
        Matcher xds = XDS.matcher(text);
        if (!xds.find()) {
          throw new AssertionError("serve printed no xDS port; log:\n" + text);
        }
        Matcher secure = SECURE.matcher(text);
        return new Ports(
            Integer.parseInt(xds.group(1)),
            secure.find() ? OptionalInt.of(Integer.parseInt(secure.group(1))) : OptionalInt.empty(),
            Integer.parseInt(monitoring.group(1)));
      }
      if (!process.isAlive()) {
        throw new AssertionError(
            "serve exited " + process.exitValue() + " before listening; log:\n" + text);
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "serve never said where it listens in " + LISTENING + "; log:\n" + Files.readString(log));
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

  public int xdsPort() {
    return ports.xds();
  }

  /** The TLS xDS port, for a serve started with {@code --secure-port 0}. */
  public int securePort() {
    return ports
        .secure()
        .orElseThrow(() -> new IllegalStateException("serve has no --secure-port"));
  }

  public int monitoringPort() {
    return ports.monitoring();
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
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.monitoring() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The body of a monitoring path once it satisfies the condition; fails with the log if never. */
  public String await(String path, Predicate<String> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
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

  /** Sends SIGTERM, as Kubernetes does, and says whether serve exited within the grace period. */
  public boolean terminate(Duration grace) throws InterruptedException {
    process.destroy();
    return process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (!terminate(Duration.ofSeconds(20))) {
      process.destroyForcibly().waitFor();
    }
  }
}
