package io.telmesh.envoy;

/**
 * Envoy runtime settings telmesh's bootstrap fixes, and what the translation relies on them for.
 */
public final class RuntimeKeys {

  /** The runtime key of Envoy's RE2 program size limit: a bigger regex is refused. */
  public static final String RE2_MAX_PROGRAM_SIZE = "re2.max_program_size.error_level";

  /**
   * The limit: istiod's, since Envoy's default (100) refuses many everyday route regexes; route
   * regexes are checked against it before they are sent.
   */
  public static final long RE2_PROGRAM_LIMIT = 32768;

  private RuntimeKeys() {}
}
