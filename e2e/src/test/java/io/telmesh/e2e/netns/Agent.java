package io.telmesh.e2e.netns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link NetnsAgent} running in a namespace, seen from the test: commands out, answers and events
 * in.
 */
final class Agent implements AutoCloseable {

  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

  private final String namespace;
  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final List<String> events = new ArrayList<>();

  private Agent(String namespace, Process process) {
    this.namespace = namespace;
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(this::readLines, "agent-" + namespace);
    reader.setDaemon(true);
    reader.start();
  }

  static Agent start(String namespace) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command =
        Shell.in(
            namespace,
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx64m",
            "-cp",
            System.getProperty("java.class.path"),
            NetnsAgent.class.getName());
    try {
      Agent agent =
          new Agent(
              namespace,
              new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
      agent.await("READY");
      return agent;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readLines() {
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("EVENT ")) {
          synchronized (events) {
            events.add(line.substring("EVENT ".length()));
            events.notifyAll();
          }
        } else {
          answers.add(line);
        }
      }
    } catch (IOException e) {
      answers.add("ERR agent output lost: " + e);
    }
    answers.add("ERR agent in " + namespace + " exited");
  }

  private String await(String expectedPrefix) {
    try {
      String answer = answers.poll(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (answer == null || !answer.startsWith(expectedPrefix)) {
        throw new IllegalStateException(
            "agent in " + namespace + " answered " + answer + ", expected " + expectedPrefix);
      }
      return answer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Sends a command and returns its answer ({@code OK …} or {@code ERR …}). */
  String send(String command) {
    try {
      commands.write(command + "\n");
      commands.flush();
      return await("");
    } catch (IOException e) {
      throw new UncheckedIOException("agent in " + namespace + " is gone", e);
    }
  }

  /** Sends a command that must succeed. */
  String ok(String command) {
    String answer = send(command);
    if (!answer.startsWith("OK")) {
      throw new IllegalStateException("agent in " + namespace + ": " + command + " -> " + answer);
    }
    return answer;
  }

  /** The first event matching, waiting up to the timeout for it. */
  Optional<String> event(Predicate<String> wanted, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (events) {
      while (true) {
        Optional<String> found = events.stream().filter(wanted).findFirst();
        long left = deadline - System.nanoTime();
        if (found.isPresent() || left <= 0) {
          return found;
        }
        try {
          events.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }
    }
  }

  /** Every event so far carrying this token (for assertions that something did not happen). */
  List<String> eventsWith(String token) {
    synchronized (events) {
      return events.stream().filter(e -> e.endsWith("token=" + token)).toList();
    }
  }

  List<String> events(Predicate<String> wanted) {
    synchronized (events) {
      return events.stream().filter(wanted).toList();
    }
  }

  @Override
  public void close() {
    try {
      commands.close();
    } catch (IOException e) {
      // the process is going away either way
    }
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
