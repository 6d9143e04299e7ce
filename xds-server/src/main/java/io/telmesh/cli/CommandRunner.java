package io.telmesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs an external command with some input; the seam that keeps {@code --apply} testable. */
interface CommandRunner {

  /** What a finished command left behind. */
  record Result(int exitCode, String stdout, String stderr) {}

  /**
   * Runs a command to completion with {@code stdin} as its input.
   *
   * @throws IOException when the command cannot be started (not installed, not executable)
   */
  Result run(List<String> command, String stdin) throws IOException;

  /** The real thing: a child process in the current network namespace. */
  static CommandRunner processes() {
    return (command, stdin) -> {
      Process process = new ProcessBuilder(command).start();
      CompletableFuture<String> out =
          CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
      CompletableFuture<String> err =
          CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      try {
        return new Result(process.waitFor(), out.join(), err.join());
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while running " + command.get(0), e);
      }
    };
  }

  private static String read(InputStream stream) {
    try (stream) {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
