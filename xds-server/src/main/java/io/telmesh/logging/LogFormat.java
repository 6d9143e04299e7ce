package io.telmesh.logging;

/** How log lines are written. */
public enum LogFormat {
  /** {@link OneLineLayout}. */
  TEXT,
  /** logback's JSON encoder: one object per line, the full exception included. */
  JSON
}
