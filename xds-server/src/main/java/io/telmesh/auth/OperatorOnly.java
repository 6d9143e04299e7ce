package io.telmesh.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;

/**
 * Lets only operators (and plaintext-port callers) reach a service: CSDS, which shows every proxy's
 * config. Runs after {@link AuthInterceptor}, whose context it reads.
 */
public final class OperatorOnly implements ServerInterceptor {

  private final ProxyAuthorizer authorizer;
  private final String what;

  public OperatorOnly(ProxyAuthorizer authorizer, String what) {
    this.authorizer = authorizer;
    this.what = what;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<Status> refusal = authorizer.admitDebug(AuthInterceptor.caller(), what);
    if (refusal.isPresent()) {
      call.close(refusal.get(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
