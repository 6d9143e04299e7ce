package io.telmesh.auth;

import io.grpc.Attributes;
import io.grpc.Metadata;
import java.util.Optional;

/** One way a caller can prove who it is. */
public interface Authenticator {

  /**
   * Who the caller is, by this kind of credentials.
   *
   * @param headers the call's metadata
   * @param transport the call's transport attributes (the TLS session among them)
   * @return the caller, or empty when it presented no credentials of this kind
   * @throws AuthenticationException when it presented some and they are not good
   * @throws io.grpc.StatusRuntimeException UNAVAILABLE when they cannot be checked right now
   */
  Optional<Identity> authenticate(Metadata headers, Attributes transport)
      throws AuthenticationException;
}
