package io.telmesh.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sets up logging for the whole process: one appender on stderr (stdout is data for several
 * commands), the chosen level for telmesh, quieter levels for libraries, and java.util.logging
 * routed into it. Called once, before the work starts; calling it again replaces the setup.
 */
public final class Logging {

  /** Libraries that speak up more than an operator needs at info, and the level they get. */
  private static final Map<String, Level> LIBRARIES =
      Map.of(
          "io.grpc", Level.WARN,
          "io.netty", Level.WARN,
          "io.fabric8", Level.WARN,
          // Its retry warnings repeat every few seconds with a stack trace; KubernetesSource says
          // the same once per outage.
          "io.fabric8.kubernetes.client.informers", Level.ERROR,
          "io.vertx", Level.ERROR,
          "org.eclipse.jetty", Level.WARN,
          "io.envoyproxy.controlplane", Level.OFF);

  private Logging() {}

  /**
   * Replaces the logging setup with one appender at the given level and format.
   *
   * @param level telmesh's level ({@code error}, {@code warn}, {@code info}, {@code debug}, {@code
   *     trace}); libraries stay at warn unless this is lower (debug shows theirs too)
   */
  public static void configure(Level level, LogFormat format) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();

    LevelChangePropagator propagator = new LevelChangePropagator();
    propagator.setContext(context);
    propagator.setResetJUL(true);
    context.addListener(propagator);
    propagator.start();

    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName("stderr");
    appender.setTarget("System.err");
    appender.setEncoder(encoder(context, format));
    appender.start();

    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    root.addAppender(appender);
    boolean verbose = level.toInt() <= Level.DEBUG.toInt();
    LIBRARIES.forEach((name, quiet) -> context.getLogger(name).setLevel(verbose ? level : quiet));

    bridgeJavaUtilLogging();
  }

  /** Routes java.util.logging (gRPC, Netty) into the same appender, once per process. */
  public static void bridgeJavaUtilLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
    if (format == LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithArguments(false);
      json.setWithMessage(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    OneLineLayout layout = new OneLineLayout();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
    text.setContext(context);
    text.setLayout(layout);
    text.start();
    return text;
  }
}
