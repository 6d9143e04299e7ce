package io.telmesh.auth;

import io.grpc.Status;
import io.telmesh.model.MeshState;
import io.telmesh.model.Workload;
import io.telmesh.node.ProxyNode;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an authenticated caller may read. A workload gets config only for a pod that exists and runs
 * under its own service account (and, for a token bound to a pod, only for that pod): claiming
 * another pod's node id gets a PERMISSION_DENIED stream and nothing else. Debug types and CSDS are
 * for operators. Callers on the plaintext port carry no identity and are not checked here: that
 * port is trusted by where it listens.
 */
public final class ProxyAuthorizer {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyAuthorizer.class);

  private final Supplier<Optional<MeshState>> mesh;
  private final OperatorPolicy operators;
  private final Refusals refusals;

  public ProxyAuthorizer(
      Supplier<Optional<MeshState>> mesh, OperatorPolicy operators, Refusals refusals) {
    this.mesh = mesh;
    this.operators = operators;
    this.refusals = refusals;
  }

  /** Everyone may do everything: the plaintext port's, and tests'. */
  public static ProxyAuthorizer open() {
    return new ProxyAuthorizer(Optional::empty, OperatorPolicy.NOBODY, Refusals.NONE);
  }

  /**
   * Whether this caller may follow this node's config.
   *
   * @return the refusal, or empty to admit
   */
  public Optional<Status> admitProxy(Optional<Identity> caller, ProxyNode node) {
    if (caller.isEmpty() || operators.isOperator(caller.get())) {
      return Optional.empty();
    }
    Identity identity = caller.get();
    Optional<String> refusal = refusal(identity, node);
    refusal.ifPresent(
        why -> {
          LOG.warn("refused proxy {} to {}: {}", node.id(), identity.describe(), why);
          refusals.refused(Status.Code.PERMISSION_DENIED.name());
        });
    return refusal.map(why -> Status.PERMISSION_DENIED.withDescription(why));
  }

  private Optional<String> refusal(Identity identity, ProxyNode node) {
    if (identity.serviceAccount().isEmpty()) {
      return Optional.of(identity.user() + " is not a service account, nor an operator");
    }
    Identity.ServiceAccountName account = identity.serviceAccount().get();
    if (!account.namespace().equals(node.pod().namespace())) {
      return Optional.of(
          "service account "
              + account
              + " may not read config of namespace "
              + node.pod().namespace());
    }
    if (identity.boundPod().isPresent() && !identity.boundPod().get().equals(node.pod().name())) {
      return Optional.of(
          "the token is bound to pod " + identity.boundPod().get() + ", not " + node.pod().name());
    }
    Optional<Workload> pod = mesh.get().flatMap(m -> m.workload(node.pod()));
    if (pod.isEmpty()) {
      return Optional.of("pod " + node.pod() + " of the node id is not known (yet)");
    }
    if (!pod.get().serviceAccount().equals(account.name())) {
      return Optional.of(
          "pod "
              + node.pod()
              + " runs as service account "
              + pod.get().serviceAccount()
              + ", not "
              + account.name());
    }
    return Optional.empty();
  }

  /**
   * Whether this caller may read debug types and CSDS.
   *
   * @return the refusal, or empty to admit
   */
  public Optional<Status> admitDebug(Optional<Identity> caller, String what) {
    if (caller.isEmpty() || operators.isOperator(caller.get())) {
      return Optional.empty();
    }
    LOG.warn("refused {} to {}: not an operator", what, caller.get().describe());
    refusals.refused(Status.Code.PERMISSION_DENIED.name());
    return Optional.of(
        Status.PERMISSION_DENIED.withDescription(
            what + " is for operators: " + operators.describe()));
  }
}
