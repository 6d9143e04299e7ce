package io.telmesh.source;

import io.telmesh.kube.KubeObjects;
import io.telmesh.model.Printable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watched directory of manifests. Any change below it (inotify, via {@link WatchService})
 * re-reads the whole directory; a slow rescan catches what events miss (e.g. ConfigMap symlink
 * swaps on some file systems). A file with broken YAML is a problem; the rest stays served.
 */
public final class ManifestDirectorySource implements MeshSource {

  private static final Logger LOG = LoggerFactory.getLogger(ManifestDirectorySource.class);

  private final ManifestDirectory directory;
  private final Duration rescan;
  private final ScheduledExecutorService rescanner =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "manifests-rescan"));
  private WatchService watcher;
  private Thread watchThread;
  private volatile KubeObjects last;

  public ManifestDirectorySource(Path root, Duration rescan) {
    this(root, rescan, ManifestLimits.DEFAULT);
  }

  public ManifestDirectorySource(Path root, Duration rescan, ManifestLimits limits) {
    this.directory = new ManifestDirectory(root, limits, java.time.Clock.systemUTC());
    this.rescan = rescan;
  }

  @Override
  public void start(Consumer<KubeObjects> sink) throws SourceException {
    reload(sink);
    try {
      watcher = FileSystems.getDefault().newWatchService();
      registerAll(directory.root());
    } catch (IOException e) {
      throw new SourceException("cannot watch " + directory.root() + ": " + e.getMessage());
    }
    watchThread = daemon(() -> watch(sink), "manifests-watch");
    watchThread.start();
    var unused =
        rescanner.scheduleWithFixedDelay(
            () -> reloadQuietly(sink), rescan.toMillis(), rescan.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void watch(Consumer<KubeObjects> sink) {
    try {
      while (true) {
        WatchKey key = watcher.take();
        boolean changed = !key.pollEvents().isEmpty();
        key.reset();
        if (changed) {
          try {
            registerAll(directory.root());
          } catch (IOException | RuntimeException e) {
            // A directory removed while being walked; the rescan and the next event catch up.
            LOG.warn(
                "watching new directories under {}: {}",
                directory.root(),
                Printable.of(String.valueOf(e.getMessage())));
          }
          reloadQuietly(sink);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void registerAll(Path root) throws IOException {
    try (Stream<Path> dirs = Files.walk(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        dir.register(
            watcher,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_DELETE,
            StandardWatchEventKinds.ENTRY_MODIFY);
      }
    }
  }

  private synchronized void reloadQuietly(Consumer<KubeObjects> sink) {
    try {
      reload(sink);
    } catch (SourceException e) {
      LOG.error("{}; keeping the last good view", e.getMessage());
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      // A scheduled task that throws is never run again: the rescan must outlive any bad file.
      // (An OutOfMemoryError ends the process: the launcher runs with -XX:+ExitOnOutOfMemoryError.)
      LOG.error(
          "reading {} failed ({}); keeping the last good view",
          directory.root(),
          Printable.of(String.valueOf(e)),
          e);
    }
  }

  private synchronized void reload(Consumer<KubeObjects> sink) throws SourceException {
    KubeObjects objects = directory.read();
    if (!objects.equals(last)) {
      last = objects;
      sink.accept(objects);
    }
  }

  @Override
  public String describe() {
    return "manifests in " + directory.root().toAbsolutePath() + " (watched)";
  }

  @Override
  public void close() {
    rescanner.shutdownNow();
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        LOG.debug("closing the watch service", e);
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread thread = new Thread(r, name);
    thread.setDaemon(true);
    return thread;
  }
}
