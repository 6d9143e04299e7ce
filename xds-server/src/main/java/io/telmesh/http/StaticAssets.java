package io.telmesh.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The mesh page's files, bundled in the jar: the page loads nothing from anywhere else. */
final class StaticAssets {

  private static final String BASE = "/io/telmesh/overview/";

  private StaticAssets() {}

  static String read(String name) {
    try (InputStream in = StaticAssets.class.getResourceAsStream(BASE + name)) {
      if (in == null) {
        throw new IllegalStateException("page file " + BASE + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
