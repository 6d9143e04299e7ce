package io.telmesh.translate;

import io.telmesh.model.MeshState;
import java.util.Optional;

/**
 * Entry point of the translation: prepare a mesh state once, then ask it for each proxy's
 * resources. Same input, byte-identical output.
 */
public final class Translator {

  private Translator() {}

  public static MeshTranslation prepare(MeshState mesh) {
    return prepare(mesh, TranslationSettings.DEFAULTS);
  }

  public static MeshTranslation prepare(MeshState mesh, TranslationSettings settings) {
    return new MeshTranslation(mesh, settings, Optional.empty());
  }

  /**
   * Prepares the next mesh state, reusing the previous translation's resource objects where their
   * inputs are unchanged, with the previous translation's settings. The resources are equal to
   * {@link #prepare(MeshState, TranslationSettings)}'s.
   */
  public static MeshTranslation prepare(MeshState mesh, MeshTranslation previous) {
    return new MeshTranslation(mesh, previous.settings(), Optional.of(previous));
  }
}
