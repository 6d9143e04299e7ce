package io.telmesh.xds;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads responses are sent from: a few single-thread executors, shared by all streams; each
 * stream is bound to one of them, handed out round robin. Sends for one stream stay in order (CDS
 * before EDS); streams on different executors go in parallel; and no send runs on a source or push
 * thread.
 */
final class StreamExecutors implements AutoCloseable {

  private final List<ExecutorService> executors = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  StreamExecutors(int threads) {
    for (int i = 0; i < threads; i++) {
      int index = i;
      executors.add(
          Executors.newSingleThreadExecutor(
              r -> {
                Thread thread = new Thread(r, "xds-send-" + index);
                thread.setDaemon(true);
                return thread;
              }));
    }
  }

  ExecutorService next() {
    return executors.get(Math.floorMod(next.getAndIncrement(), executors.size()));
  }

  @Override
  public void close() {
    executors.forEach(ExecutorService::shutdown);
    for (ExecutorService executor : executors) {
      try {
        executor.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
