package io.telmesh.model;

/**
 * A client- or user-supplied string made safe to print in one log line or error message: control
 * characters (a newline would forge a second log line) become {@code ?}, and long strings are cut,
 * saying how long they were.
 */
public final class Printable {

  /** Enough for any legitimate node id, type URL or resource name to show whole. */
  public static final int DEFAULT_LIMIT = 200;

  private Printable() {}

  public static String of(String text) {
    return of(text, DEFAULT_LIMIT);
  }

  public static String of(String text, int limit) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), limit) + 24);
    int end = Math.min(text.length(), limit);
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
    }
    if (text.length() > limit) {
      out.append("…(").append(text.length()).append(" chars)");
    }
    return out.toString();
  }
}
