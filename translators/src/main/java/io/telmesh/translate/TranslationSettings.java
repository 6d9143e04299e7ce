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
 */
public record TranslationSettings(
    boolean accessLogDefault, String rootNamespace, OutboundTrafficPolicy outboundTrafficPolicy) {

  public static final String DEFAULT_ROOT_NAMESPACE = "istio-system";

  public static final TranslationSettings DEFAULTS = new TranslationSettings(false);

  /** Istio's defaults for the mesh-wide settings. */
  public TranslationSettings(boolean accessLogDefault) {
    this(accessLogDefault, DEFAULT_ROOT_NAMESPACE, OutboundTrafficPolicy.ALLOW_ANY);
  }
}
