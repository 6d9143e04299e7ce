package io.telmesh.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call on the secure port before it reaches a service: the first authenticator
 * that recognises the caller's credentials decides; a caller with none, or with bad ones, is ended
 * UNAUTHENTICATED and logged with its address. Who the caller is travels in the call's {@link
 * Context} to the services, which authorize per stream ({@link #caller()}).
 *
 * <p>Authentication runs on {@code executor}, not on the thread that read the call: it may wait for
 * a TokenReview, and the port's transport threads, which read every other stream on the connection
 * too, must never wait. The call starts there once its caller is known, and the services behind
 * this interceptor then see it as they would have on the transport thread.
 */
public final class AuthInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(AuthInterceptor.class);

  private static final Context.Key<Identity> CALLER = Context.key("telmesh-caller");

  private final List<Authenticator> authenticators;
  private final Refusals refusals;
  private final Executor executor;

  public AuthInterceptor(List<Authenticator> authenticators, Refusals refusals, Executor executor) {
    this.refusals = refusals;
    this.executor = executor;
    if (authenticators.isEmpty()) {
      throw new IllegalArgumentException("the secure port needs at least one way to authenticate");
    }
    this.authenticators = List.copyOf(authenticators);
  }

  /**
   * The authenticated caller of the current call; empty on the plaintext port, which authenticates
   * no one and is trusted by where it listens.
   */
  public static Optional<Identity> caller() {
    return Optional.ofNullable(CALLER.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    // The call's own context: its deadline, and its cancellation when the caller goes away.
    Context context = Context.current();
    PendingListener<Q> pending = new PendingListener<>();
    try {
      executor.execute(() -> pending.start(admit(call, headers, next, context)));
    } catch (RejectedExecutionException e) {
      pending.start(refuse(call, Status.UNAVAILABLE.withDescription("server is shutting down")));
    }
    return pending;
  }

  /** The call started as its caller, or ended with why not. */
  private <Q, R> ServerCall.Listener<Q> admit(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, Context context) {
    Identity identity;
    try {
      Optional<Identity> found = authenticate(call, headers);
      if (found.isEmpty()) {
        return refuse(
            call,
            Status.UNAUTHENTICATED.withDescription(
                "no credentials: send \"authorization: Bearer <service-account token>\" or a"
                    + " client certificate"));
      }
      identity = found.get();
    } catch (AuthenticationException e) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    } catch (StatusRuntimeException e) {
      return refuse(call, e.getStatus());
    } catch (RuntimeException e) {
      // On the transport thread gRPC would end the call; on this thread no one else would.
      LOG.error(
          "authenticating a caller of {} failed",
          call.getMethodDescriptor().getFullMethodName(),
          e);
      return refuse(call, Status.INTERNAL.withDescription("authentication failed"));
    }
    if (context.isCancelled()) {
      return new ServerCall.Listener<>() {}; // the caller left while it was being authenticated
    }
    try {
      return Contexts.interceptCall(context.withValue(CALLER, identity), call, headers, next);
    } catch (RuntimeException e) {
      LOG.error("starting {} failed", call.getMethodDescriptor().getFullMethodName(), e);
      call.close(Status.fromThrowable(e), new Metadata());
      return new ServerCall.Listener<>() {};
    }
  }

  private <Q> ServerCall.Listener<Q> refuse(ServerCall<Q, ?> call, Status refusal) {
    LOG.warn(
        "refused {} from {}: {} {}",
        call.getMethodDescriptor().getFullMethodName(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
        refusal.getCode(),
        refusal.getDescription());
    refusals.refused(refusal.getCode().name());
    call.close(refusal, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private Optional<Identity> authenticate(ServerCall<?, ?> call, Metadata headers)
      throws AuthenticationException {
    for (Authenticator authenticator : authenticators) {
      Optional<Identity> identity = authenticator.authenticate(headers, call.getAttributes());
      if (identity.isPresent()) {
        return identity;
      }
    }
    return Optional.empty();
  }
}
