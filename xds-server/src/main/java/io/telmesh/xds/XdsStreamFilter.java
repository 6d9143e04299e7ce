package io.telmesh.xds;

import com.google.common.util.concurrent.MoreExecutors;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.telmesh.auth.AuthInterceptor;
import io.telmesh.auth.Identity;
import io.telmesh.node.InvalidNodeException;
import io.telmesh.node.ProxyNode;
import io.telmesh.snapshot.TypeUrls;
import io.telmesh.status.ProxyStatusTracker.StreamKey;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front of one xDS stream: validates the node (Istio node ids; a malformed one ends the stream
 * with INVALID_ARGUMENT), remembers it (Envoy sends it once), answers debug types itself (every
 * such request, whatever nonce it carries: istioctl puts one on its first request and never ACKs),
 * keeps debug clients away from sidecar config, answers unknown type URLs instead of letting them
 * end the stream, and hands config requests to the stream's {@link ConfigStream}. However the
 * stream ends, everything it holds is released once.
 *
 * @param <Q> the request type (SotW or delta)
 * @param <R> the response type
 */
abstract class XdsStreamFilter<Q, R> implements StreamObserver<Q> {

  private static final Logger LOG = LoggerFactory.getLogger(XdsStreamFilter.class);

  protected final StreamContext context;
  protected final ResponseStream<R> out;
  private final String defaultTypeUrl;
  private final long number;
  private final Executor serial;
  private final Runnable onRelease;
  private final AtomicBoolean released = new AtomicBoolean();
  // Read where the call's context is current: requests may arrive on other threads.
  private final Optional<Identity> caller = AuthInterceptor.caller();
  private final Set<String> unknownTypesLogged = new HashSet<>();
  private volatile ProxyNode node;
  private Node rawNode;
  private volatile ConfigStream<Q, ?> stream;
  private long debugNonces;
  private Executor debugAnswers;

  /**
   * @param number this stream's number, unique in the server process
   * @param onRelease told once when the stream ends, however it ends
   */
  XdsStreamFilter(
      StreamContext context,
      ResponseStream<R> out,
      String defaultTypeUrl,
      long number,
      Executor serial,
      Runnable onRelease) {
    this.context = context;
    this.out = out;
    this.defaultTypeUrl = defaultTypeUrl;
    this.number = number;
    this.serial = serial;
    this.onRelease = onRelease;
    out.onCancel(this::release);
  }

  /** The fields of a request this filter reads. */
  protected abstract StreamRequest read(Q request);

  /** The stream that serves this node's config requests on this stream. */
  protected abstract ConfigStream<Q, ?> open(StreamKey key, Executor serial);

  /** The request as it waits for the stream's executor: its names shared, its node dropped. */
  protected abstract Q compact(Q request);

  /** Answers a type telmesh does not serve. */
  protected abstract void answerUnknownType(Q request, String typeUrl, String nonce);

  /** Answers a debug type; only SotW streams carry them. */
  protected abstract void answerDebug(ProxyNode client, Q request, String typeUrl, String nonce);

  @Override
  public void onNext(Q request) {
    if (released.get()) {
      return;
    }
    try {
      StreamRequest fields = read(request);
      if (node == null && !identify(fields)) {
        return;
      }
      String typeUrl = fields.typeUrl().isEmpty() ? defaultTypeUrl : fields.typeUrl();
      if (typeUrl.isEmpty()) {
        fail(Status.INVALID_ARGUMENT.withDescription("type_url is required on an ADS stream"));
        return;
      }
      if (context.debug().handles(typeUrl)) {
        Optional<Status> refusal = context.authorizer().admitDebug(caller, "debug type " + typeUrl);
        if (refusal.isPresent()) {
          fail(refusal.get());
          return;
        }
        String nonce = "t" + Long.toString(++debugNonces, 36);
        ProxyNode client = node;
        debugAnswers()
            .execute(
                () -> {
                  try {
                    answerDebug(client, request, typeUrl, nonce);
                  } catch (RuntimeException e) {
                    failed(e);
                  }
                });
        return;
      }
      if (node.isDebugClient()) {
        fail(
            Status.PERMISSION_DENIED.withDescription(
                "debug clients (GENERATOR=event or type debug) may request debug types only, not "
                    + typeUrl));
        return;
      }
      if (!TypeUrls.PUSH_ORDER.contains(typeUrl)) {
        if (unknownTypesLogged.add(typeUrl)) {
          LOG.info("proxy {} asked for unknown type {}; answered empty", node.id(), typeUrl);
        }
        answerUnknownType(request, typeUrl, "u" + Long.toString(++debugNonces, 36));
        return;
      }
      if (stream == null) {
        context.registry().open(node, rawNode);
        rawNode = null; // the registry keeps it, serialized
        stream = open(new StreamKey(node.id(), number), serial);
        if (released.get()) {
          stream.close(); // cancelled meanwhile
        }
      }
      stream.request(typeUrl, compact(request));
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private void failed(RuntimeException e) {
    LOG.error("stream of proxy {} failed on a request", node == null ? "?" : node.id(), e);
    fail(
        Status.INTERNAL.withDescription("telmesh could not handle the request: " + e.getMessage()));
  }

  /**
   * Debug answers (a sync status or config dump of every proxy) take long for a transport thread;
   * they go to the pool, one at a time per stream, in the order asked.
   */
  private Executor debugAnswers() {
    if (debugAnswers == null) {
      debugAnswers = MoreExecutors.newSequentialExecutor(context.offTransport());
    }
    return debugAnswers;
  }

  private boolean identify(StreamRequest request) {
    if (request.node().isEmpty()) {
      fail(
          Status.INVALID_ARGUMENT.withDescription(
              "the first request of a stream must carry the node"));
      return false;
    }
    try {
      ProxyNode claimed = ProxyNode.from(request.node().get());
      if (!claimed.isDebugClient()) {
        Optional<Status> refusal = context.authorizer().admitProxy(caller, claimed);
        if (refusal.isPresent()) {
          fail(refusal.get());
          return false;
        }
      }
      node = claimed;
      rawNode = request.node().get();
      return true;
    } catch (InvalidNodeException e) {
      LOG.warn("rejected stream: {}", e.getMessage());
      fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
      return false;
    }
  }

  /** Ends this stream only, with a status saying why. */
  protected final void fail(Status status) {
    if (release()) {
      out.onError(status.asRuntimeException());
    }
  }

  @Override
  public void onError(Throwable t) {
    release(); // the client failed or cancelled the call: there is no one to answer
  }

  @Override
  public void onCompleted() {
    if (release()) {
      out.onCompleted();
    }
  }

  /**
   * Releases what the stream holds: its place in the registry, its config stream, its status. Runs
   * once, whichever way the stream ends (client close, error, cancel, or a failure here).
   *
   * @return whether this call released it
   */
  final boolean release() {
    if (!released.compareAndSet(false, true)) {
      return false;
    }
    ConfigStream<Q, ?> config = stream;
    if (config != null) {
      config.close();
      context.registry().close(node);
    }
    onRelease.run();
    return true;
  }

  ProxyNode node() {
    return node;
  }
}
