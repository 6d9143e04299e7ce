package io.telmesh.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.telmesh.node.InvalidNodeException;
import io.telmesh.node.ProxyNode;
import io.telmesh.snapshot.ProxySnapshot;
import io.telmesh.snapshot.TypeUrls;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits in front of the request handling of one stream (java-control-plane's for state of the world,
 * {@link DeltaStream} for delta). It validates the node (Istio node ids; a malformed one ends the
 * stream with INVALID_ARGUMENT), remembers it (Envoy sends it once) and fills it into every
 * request, answers debug types itself, answers unknown type URLs with an empty response instead of
 * letting them kill the stream, keeps debug clients away from sidecar config, and reports requests
 * and responses to the status tracker.
 *
 * @param <Q> the request type (SotW or delta)
 */
abstract class XdsStreamFilter<Q> implements StreamObserver<Q> {

  private static final Logger LOG = LoggerFactory.getLogger(XdsStreamFilter.class);
  private static final AtomicLong NONCES = new AtomicLong();

  protected final StreamContext context;
  protected final String defaultTypeUrl;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<String> unknownTypesLogged = new HashSet<>();
  private volatile ProxyNode node;
  private Node rawNode;
  private volatile boolean registered;

  XdsStreamFilter(StreamContext context, String defaultTypeUrl) {
    this.context = context;
    this.defaultTypeUrl = defaultTypeUrl;
  }

  /** The fields of a request this filter reads. */
  protected abstract StreamRequest read(Q request);

  /** Hands a sidecar-config request on; {@code node} is the stream's node (Envoy sends it once). */
  protected abstract void forward(String typeUrl, Q request, Node node);

  /** Ends the stream with a status. */
  protected abstract void terminate(Status status);

  /** The client ended the stream with an error (or cancelled it). */
  protected abstract void clientFailed(Throwable t);

  /** The client closed its side. */
  protected abstract void clientCompleted();

  /** Answers a type java-control-plane does not know; returns false when it cannot. */
  protected abstract void answerUnknownType(Q request, String typeUrl, String nonce);

  /** Answers a debug type; only SotW streams carry them. */
  protected abstract void answerDebug(ProxyNode client, Q request, String typeUrl, String nonce);

  @Override
  public void onNext(Q request) {
    if (closed.get()) {
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
      context
          .tracker()
          .answered(
              node.id(), typeUrl, TypeUrls.shortName(typeUrl), fields.nonce(), fields.error());
      if (context.debug().handles(typeUrl)) {
        answerDebug(node, request, typeUrl, nextNonce());
        return;
      }
      if (node.isDebugClient()) {
        fail(
            Status.PERMISSION_DENIED.withDescription(
                "debug clients (GENERATOR=event or type debug) may request debug types only, not "
                    + typeUrl));
        return;
      }
      if (!TypeUrls.LIBRARY_TYPES.contains(typeUrl)) {
        if (unknownTypesLogged.add(typeUrl)) {
          LOG.info("proxy {} asked for unknown type {}; answered empty", node.id(), typeUrl);
        }
        answerUnknownType(request, typeUrl, nextNonce());
        return;
      }
      if (!registered) {
        registered = true;
        context.registry().open(node, rawNode);
      }
      forward(typeUrl, request, rawNode);
    } catch (RuntimeException e) {
      LOG.error("stream of proxy {} failed on a request", node == null ? "?" : node.id(), e);
      fail(
          Status.INTERNAL.withDescription(
              "telmesh could not handle the request: " + e.getMessage()));
    }
  }

  private boolean identify(StreamRequest request) {
    if (request.node().isEmpty()) {
      fail(
          Status.INVALID_ARGUMENT.withDescription(
              "the first request of a stream must carry the node"));
      return false;
    }
    try {
      node = ProxyNode.from(request.node().get());
      rawNode = request.node().get();
      return true;
    } catch (InvalidNodeException e) {
      LOG.warn("rejected stream: {}", e.getMessage());
      fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
      return false;
    }
  }

  /** Ends this stream only, with a status saying why. */
  protected void fail(Status status) {
    if (closed.compareAndSet(false, true)) {
      release();
      terminate(status);
    }
  }

  @Override
  public void onError(Throwable t) {
    closed.set(true);
    release();
    clientFailed(t);
  }

  @Override
  public void onCompleted() {
    closed.set(true);
    release();
    clientCompleted();
  }

  /** Called when the stream ends in any way (also on cancel); idempotent. */
  void release() {
    if (registered) {
      registered = false;
      context.registry().close(node);
    }
  }

  ProxyNode node() {
    return node;
  }

  /**
   * Reports a response leaving the stream, whoever built it (the library, DeltaStream, telmesh).
   */
  protected void recordSent(String typeUrl, String version, String nonce, int resources) {
    ProxyNode proxy = node;
    if (proxy == null || !TypeUrls.LIBRARY_TYPES.contains(typeUrl)) {
      return;
    }
    Instant changedAt =
        context.cache().snapshot(proxy.id()).map(ProxySnapshot::changedAt).orElse(Instant.now());
    context
        .tracker()
        .sent(
            proxy.id(),
            typeUrl,
            TypeUrls.shortName(typeUrl),
            version,
            nonce,
            changedAt,
            resources,
            context.cache().responded(proxy.id(), typeUrl, version));
  }

  private static String nextNonce() {
    return "t" + NONCES.incrementAndGet();
  }
}
