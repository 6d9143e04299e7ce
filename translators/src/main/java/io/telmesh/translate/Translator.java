package io.telmesh.translate;

import io.telmesh.model.MeshState;

/**
 * Entry point of the translation: prepare a mesh state once, then ask it for each proxy's
 * resources. Same input, byte-identical output.
 */
public final class Translator {

  private Translator() {}

  public static MeshTranslation prepare(MeshState mesh) {
    return new MeshTranslation(mesh);
  }
}
