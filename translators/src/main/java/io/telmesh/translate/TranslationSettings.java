package io.telmesh.translate;

import io.telmesh.model.OutboundTrafficPolicy;

/**
 * Server-wide choices that shape translation, as {@code telmesh serve} was started with.
 *
 * @param accessLogDefault whether sidecars write access logs when neither their pod's annotation
 *     nor their node metadata says
 * @param rootNamespace Istio's {@code meshConfig.rootNamespace}: its Sidecar without selector is
 *     the default of namespaces that have none
 * @param outboundTrafficPolicy Istio's {@code meshConfig.outboundTrafficPolicy.mode}, for sidecars
 *     whose Sidecar does not set one
 * @param trustDomain Istio's {@code meshConfig.trustDomain}: the SPIFFE IDs mutual TLS clusters
 *     expect of their servers, as telmesh's CA issues them
 */
public record TranslationSettings(
    boolean accessLogDefault,
    String rootNamespace,
    OutboundTrafficPolicy outboundTrafficPolicy,
    String trustDomain) {

  public static final String DEFAULT_ROOT_NAMESPACE = "istio-system";

  public static final TranslationSettings DEFAULTS = new TranslationSettings(false);

  /** Istio's defaults for the mesh-wide settings. */
  public TranslationSettings(boolean accessLogDefault) {
    this(accessLogDefault, DEFAULT_ROOT_NAMESPACE, OutboundTrafficPolicy.ALLOW_ANY);
  }

  /** In Istio's default trust domain. */
  public TranslationSettings(
      boolean accessLogDefault, String rootNamespace, OutboundTrafficPolicy outboundTrafficPolicy) {
    this(
        accessLogDefault,
        rootNamespace,
        outboundTrafficPolicy,
        io.telmesh.envoy.IstioMutualTls.DEFAULT_TRUST_DOMAIN);
  }
}
