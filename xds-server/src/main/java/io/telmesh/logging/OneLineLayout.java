package io.telmesh.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code 2026-12-02T08:25:57.123Z INFO PushPipeline: message [exception summary]}: exactly one line
 * per event, whatever the message holds. Control characters (a node id with a newline, say) are
 * escaped rather than printed, a message is cut at {@value #MAX_MESSAGE} characters, and an
 * exception becomes its chain of types and messages with the frame that threw (the JSON format
 * carries the full trace).
 */
public final class OneLineLayout extends LayoutBase<ILoggingEvent> {

  static final int MAX_MESSAGE = 4000;
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  /** A second and its formatted text. */
  private record Second(long epochSecond, String text) {}

  /**
   * The last second formatted: a reconnecting fleet logs hundreds of lines a second, and the
   * formatter cost more than the rest of the line (its millisecond part is appended as digits).
   */
  private volatile Second last = new Second(Long.MIN_VALUE, "");

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    appendTime(line, event.getTimeStamp());
    String level = event.getLevel().toString();
    line.append(' ')
        .append(level)
        .append("     ", 0, Math.max(0, 5 - level.length()))
        .append(' ')
        .append(shortName(event.getLoggerName()))
        .append(": ")
        .append(clean(event.getFormattedMessage(), MAX_MESSAGE));
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      line.append(" [").append(summary(thrown)).append(']');
    }
    return line.append('\n').toString();
  }

  /** {@code 2026-12-02T08:25:57.123Z}. */
  void appendTime(StringBuilder line, long epochMilli) {
    long epochSecond = Math.floorDiv(epochMilli, 1000L);
    Second second = last;
    if (second.epochSecond() != epochSecond) {
      second = new Second(epochSecond, SECONDS.format(Instant.ofEpochSecond(epochSecond)));
      last = second;
    }
    int millis = (int) Math.floorMod(epochMilli, 1000L);
    line.append(second.text())
        .append('.')
        .append((char) ('0' + millis / 100))
        .append((char) ('0' + millis / 10 % 10))
        .append((char) ('0' + millis % 10))
        .append('Z');
  }

  private static String shortName(String logger) {
    return logger == null ? "" : logger.substring(logger.lastIndexOf('.') + 1);
  }

  private static String summary(IThrowableProxy thrown) {
    StringBuilder text = new StringBuilder();
    int depth = 0;
    for (IThrowableProxy t = thrown; t != null && depth < 5; t = t.getCause(), depth++) {
      if (depth > 0) {
        text.append("; caused by ");
      }
      text.append(shortName(t.getClassName()));
      if (t.getMessage() != null) {
        text.append(": ").append(clean(t.getMessage(), 500));
      }
      StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
      if (depth == 0 && frames != null && frames.length > 0) {
        text.append(" at ").append(frames[0].getStackTraceElement());
      }
    }
    return text.toString();
  }

  /** The text with every control or line-breaking character escaped, cut at {@code max}. */
  static String clean(String text, int max) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 16);
    int i = 0;
    for (; i < text.length() && out.length() < max; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    if (i < text.length()) {
      out.append("…(").append(text.length() - i).append(" more characters)");
    }
    return out.toString();
  }
}
