package io.telmesh.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an operator reads: one line per event whatever a client put in the message, gRPC's
 * java.util.logging records in the same stream, JSON when asked.
 */
class LoggingTest {

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream original;

  @BeforeEach
  void capture() {
    original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(original);
    Logging.configure(Level.INFO, LogFormat.TEXT);
  }

  private List<String> lines() {
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void theBundledConfigurationLoadsWithoutAnError() throws Exception {
    // A broken logback.xml makes logback fall back to DEBUG on stdout: stdout is data here.
    ch.qos.logback.classic.LoggerContext context = new ch.qos.logback.classic.LoggerContext();
    ch.qos.logback.classic.joran.JoranConfigurator configurator =
        new ch.qos.logback.classic.joran.JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getClassLoader().getResource("logback.xml"));
    assertThat(new ch.qos.logback.core.status.StatusUtil(context).getHighestLevel(0))
        .as(context.getStatusManager().getCopyOfStatusList().toString())
        .isLessThan(ch.qos.logback.core.status.Status.WARN);
    assertThat(context.getLogger("io.grpc").getLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void aHostileNodeIdStaysOnOneLineAndAHugeOneIsCut() {
    Logging.configure(Level.INFO, LogFormat.TEXT);
    Logger log = LoggerFactory.getLogger("io.telmesh.xds.Test");
    log.warn("rejected node {}", "sidecar~1.2.3.4~evil\n2026-01-01 INFO forged line\r\u2028x");
    log.warn("type {}", "t".repeat(100_000));
    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z WARN  Test: rejected node .*")
        .contains("evil\\n2026-01-01 INFO forged line\\r\\u2028x");
    assertThat(lines.get(1).length()).isLessThan(OneLineLayout.MAX_MESSAGE + 200);
    assertThat(lines.get(1)).contains("more characters)");
  }

  /** The remembered second and the appended milliseconds print what the formatter prints. */
  @Test
  void timesAreTheFormattersToTheMillisecond() {
    java.time.format.DateTimeFormatter formatter =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(java.time.ZoneOffset.UTC);
    OneLineLayout layout = new OneLineLayout();
    for (long millis :
        new long[] {
          1_764_000_000_000L,
          1_764_000_000_005L,
          1_764_000_000_050L,
          1_764_000_000_999L,
          1_764_000_001_000L,
          1_764_000_000_123L,
          0L,
          -1L,
          253_402_300_799_999L
        }) {
      StringBuilder line = new StringBuilder();
      layout.appendTime(line, millis);
      assertThat(line.toString())
          .as("%d", millis)
          .isEqualTo(formatter.format(java.time.Instant.ofEpochMilli(millis)));
    }
  }

  @Test
  void levelsArePaddedToOneWidth() {
    OneLineLayout layout = new OneLineLayout();
    for (Level level : List.of(Level.INFO, Level.WARN, Level.ERROR, Level.DEBUG, Level.TRACE)) {
      ch.qos.logback.classic.spi.LoggingEvent event = new ch.qos.logback.classic.spi.LoggingEvent();
      event.setLevel(level);
      event.setLoggerName("io.telmesh.push.PushPipeline");
      event.setMessage("pushed");
      event.setTimeStamp(1_764_000_000_123L);
      assertThat(layout.doLayout(event))
          .isEqualTo(
              "2025-11-24T16:00:00.123Z "
                  + String.format("%-5s", level)
                  + " PushPipeline: pushed\n");
    }
  }

  @Test
  void anExceptionIsOneSummaryLine() {
    Logging.configure(Level.INFO, LogFormat.TEXT);
    LoggerFactory.getLogger("io.telmesh.Test")
        .error(
            "push failed for {}",
            "amf-0",
            new IllegalStateException("outer", new java.io.IOException("inner\nsecond line")));
    assertThat(lines())
        .singleElement()
        .asString()
        .contains("push failed for amf-0 [IllegalStateException: outer at ")
        .contains("caused by IOException: inner\\nsecond line]");
  }

  @Test
  void javaUtilLoggingFromLibrariesComesThroughTheSameLines() {
    Logging.configure(Level.INFO, LogFormat.TEXT);
    java.util.logging.Logger.getLogger("io.grpc.netty.Transport")
        .log(
            java.util.logging.Level.WARNING,
            "Transport failed",
            new RuntimeException("garbage on the wire"));
    java.util.logging.Logger.getLogger("io.grpc.netty.Transport").info("quiet at info");
    assertThat(lines())
        .singleElement()
        .asString()
        .contains("WARN  Transport: Transport failed [RuntimeException: garbage on the wire at");
  }

  @Test
  void debugLetsLibrariesSpeakAndErrorSilencesInfo() {
    Logging.configure(Level.DEBUG, LogFormat.TEXT);
    LoggerFactory.getLogger("io.grpc.Test").debug("library detail");
    Logging.configure(Level.ERROR, LogFormat.TEXT);
    LoggerFactory.getLogger("io.telmesh.Test").info("not shown");
    assertThat(lines()).singleElement().asString().contains("library detail");
  }

  @Test
  void jsonIsOneObjectPerLine() throws Exception {
    Logging.configure(Level.INFO, LogFormat.JSON);
    LoggerFactory.getLogger("io.telmesh.xds.Test")
        .warn("node {}", "a\nb", new IllegalArgumentException("bad\nid"));
    List<String> lines = lines();
    assertThat(lines).hasSize(1);
    JsonNode event = JsonMapper.builder().build().readTree(lines.get(0));
    assertThat(event.path("level").asString()).isEqualTo("WARN");
    assertThat(event.path("loggerName").asString()).isEqualTo("io.telmesh.xds.Test");
    assertThat(event.path("formattedMessage").asString()).isEqualTo("node a\nb");
    assertThat(event.path("throwable").path("message").asString()).isEqualTo("bad\nid");
  }
}
