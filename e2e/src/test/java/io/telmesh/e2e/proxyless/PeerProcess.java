package io.telmesh.e2e.proxyless;

import io.telmesh.e2e.peers.Peers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One run of the grpc-go peer ({@code e2e/peers/grpcpeer}) inside the mesh namespace: lines to its
 * stdin, its stdout lines as they come, and grpc-go's own log (its stderr) in a file.
 */
final class PeerProcess implements AutoCloseable {

  private static final String EOF = "\u0000eof";

  private final String label;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Path log;

  private PeerProcess(String label, Process process, Path log) {
    this.label = label;
    this.process = process;
    this.log = log;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process went away; EOF below says so
              }
              lines.add(EOF);
            },
            "grpcpeer-" + label);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts the command in the namespace with grpc-go's log at {@code INFO} (it logs NACKs as
   * warnings) and the extra environment, its stderr going to {@code log}.
   */
  static PeerProcess start(
      MeshNamespace namespace,
      String label,
      Map<String, String> environment,
      Path log,
      List<String> command) {
    ProcessBuilder builder =
        new ProcessBuilder(namespace.in(command))
            .redirectError(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().put("GRPC_GO_LOG_SEVERITY_LEVEL", "info");
    builder.environment().put("GRPC_GO_LOG_VERBOSITY_LEVEL", "2");
    builder.environment().putAll(environment);
    try {
      return new PeerProcess(label, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  /** The grpc-go peer ({@code e2e/peers/grpcpeer}) in one of its modes. */
  static PeerProcess grpcGo(
      MeshNamespace namespace,
      String label,
      Map<String, String> environment,
      Path log,
      List<String> arguments) {
    List<String> command = new ArrayList<>(List.of(Peers.binary("grpcpeer").toString()));
    command.addAll(arguments);
    return start(namespace, label, environment, log, command);
  }

  /** {@link GrpcJavaPeer}, in a JVM of its own on the test's classpath. */
  static PeerProcess grpcJava(
      MeshNamespace namespace, String label, Map<String, String> environment, Path log) {
    String java = ProcessHandle.current().info().command().orElse("java");
    return start(
        namespace,
        label,
        environment,
        log,
        List.of(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            GrpcJavaPeer.class.getName()));
  }

  void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(label + " no longer reads its input:\n" + logTail(), e);
    }
  }

  /** The next stdout line. */
  String next(Duration timeout) throws InterruptedException {
    String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError(
          label + " printed nothing in " + timeout + "; its log:\n" + logTail());
    }
    if (line.equals(EOF)) {
      lines.add(EOF);
      throw new AssertionError(label + " exited; its log:\n" + logTail());
    }
    return line;
  }

  /** The first stdout line (from now on) that matches. */
  String await(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> seen = new ArrayList<>();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            label
                + ": no wanted line in "
                + timeout
                + ", saw "
                + seen
                + "; its log:\n"
                + logTail());
      }
      String line = next(Duration.ofNanos(left));
      if (wanted.test(line)) {
        return line;
      }
      seen.add(line);
    }
  }

  /** grpc-go's log so far. */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lines of grpc-go's log that report a NACK it sent (grpc-go's wording). */
  List<String> nacks() {
    return log().lines().filter(l -> l.contains("Sending NACK")).toList();
  }

  private String logTail() {
    List<String> all = log().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stdin.close();
    } catch (IOException e) {
      // already gone
    }
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
