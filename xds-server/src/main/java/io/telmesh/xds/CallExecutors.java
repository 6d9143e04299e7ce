package io.telmesh.xds;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where gRPC runs the calls of a port whose interceptors may block (the secure port, whose
 * authentication may wait for a TokenReview). An xDS stream's requests are handled on the transport
 * thread that read them: handling one only hands it to the stream's own executor, and hopping to a
 * pooled thread first cost a fifth to a quarter of the server's CPU per endpoint change, most of it
 * parking and waking pool threads (docs/benchmarks.md). The start of each call, where the
 * interceptors run, stays on the pool, and so do all calls of other services (health, CSDS,
 * certificate signing). The plaintext port, where nothing blocks, uses gRPC's direct mode instead.
 */
final class CallExecutors implements ServerCallExecutorSupplier, AutoCloseable {

  private final Set<String> streamServices;
  private final AtomicLong threads = new AtomicLong();
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread thread = new Thread(r, "grpc-call-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });

  /**
   * @param streamServices the full names of the gRPC services whose calls are xDS streams
   */
  CallExecutors(Set<String> streamServices) {
    this.streamServices = Set.copyOf(streamServices);
  }

  /** The pool: every call's start, other services' calls, and work too long for a transport. */
  ExecutorService pool() {
    return pool;
  }

  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    return streamServices.contains(call.getMethodDescriptor().getServiceName())
        ? new StartOnPool()
        : null; // gRPC's executor for the server: the pool
  }

  @Override
  public void close() {
    pool.shutdown();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One call's executor: its first task on the pool, every later one on the thread that hands it
   * over. gRPC wraps a call's executor in a serializing one, which hands it one run of queued tasks
   * at a time, and the first run begins with the call's start (its interceptors); requests that
   * arrive meanwhile wait in that queue, in order. A plain direct executor would not do: gRPC looks
   * the method up on the pool, and the start may then be handed over from the transport thread.
   */
  private final class StartOnPool implements Executor {
    private volatile boolean started;

    @Override
    public void execute(Runnable task) {
      if (started) {
        task.run();
      } else {
        started = true;
        pool.execute(task);
      }
    }
  }
}
