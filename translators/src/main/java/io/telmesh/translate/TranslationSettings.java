package io.telmesh.translate;

/**
 * Server-wide choices that shape translation, as {@code telmesh serve} was started with.
 *
 * @param accessLogDefault whether sidecars write access logs when neither their pod's annotation
 *     nor their node metadata says
 */
public record TranslationSettings(boolean accessLogDefault) {

  public static final TranslationSettings DEFAULTS = new TranslationSettings(false);
}
