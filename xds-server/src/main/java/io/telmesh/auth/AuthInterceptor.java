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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call on the secure port before it reaches a service: the first authenticator
 * that recognises the caller's credentials decides; a caller with none, or with bad ones, is ended
 * UNAUTHENTICATED and logged with its address. Who the caller is travels in the call's {@link
 * Context} to the services, which authorize per stream ({@link #caller()}).
 */
public final class AuthInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(AuthInterceptor.class);

  private static final Context.Key<Identity> CALLER = Context.key("telmesh-caller");

  private final List<Authenticator> authenticators;
  private final Refusals refusals;

  public AuthInterceptor(List<Authenticator> authenticators, Refusals refusals) {
    this.refusals = refusals;
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
    Status refusal;
    try {
      Optional<Identity> identity = authenticate(call, headers);
      if (identity.isPresent()) {
        return Contexts.interceptCall(
            Context.current().withValue(CALLER, identity.get()), call, headers, next);
      }
      refusal =
          Status.UNAUTHENTICATED.withDescription(
              "no credentials: send \"authorization: Bearer <service-account token>\" or a client"
                  + " certificate");
    } catch (AuthenticationException e) {
      refusal = Status.UNAUTHENTICATED.withDescription(e.getMessage());
    } catch (StatusRuntimeException e) {
      refusal = e.getStatus();
    }
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
