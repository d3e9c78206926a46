package io.lifeguard.node.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event of the test JVM through the production JSON encoder (the one
 * logback.xml configures for {@code LOG_FORMAT=json}), so a test sees exactly the lines a node
 * writes.
 */
final class CapturedLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Encoder<ILoggingEvent> encoder = productionJsonEncoder();
  private final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
  private final Logger root;

  private CapturedLog(LoggerContext context) {
    setContext(context);
    setName("captured-json");
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  /** The JSON encoder of logback.xml, configured in a context of its own (started). */
  @SuppressWarnings("unchecked")
  static Encoder<ILoggingEvent> productionJsonEncoder() {
    try {
      LoggerContext context = new LoggerContext();
      context.putProperty("LOG_FORMAT", "json");
      JoranConfigurator configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(CapturedLog.class.getResource("/logback.xml"));
      AsyncAppender async = (AsyncAppender) context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
      return ((ConsoleAppender<ILoggingEvent>) async.getAppender("json")).getEncoder();
    } catch (ch.qos.logback.core.joran.spi.JoranException e) {
      throw new IllegalStateException("logback.xml does not load", e);
    }
  }

  static CapturedLog attach() {
    CapturedLog log = new CapturedLog((LoggerContext) LoggerFactory.getILoggerFactory());
    log.start();
    log.root.addAppender(log);
    return log;
  }

  @Override
  protected void append(ILoggingEvent event) {
    // Synchronous: the MDC is read on the logging thread, as the async appender's copy would be.
    lines.add(new String(encoder.encode(event), StandardCharsets.UTF_8));
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  /** Polls until some line matches, or fails after {@code timeout}. */
  String await(Predicate<String> match, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : lines) if (match.test(line)) return line;
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    throw new AssertionError("no log line with " + what + " within " + timeout + "; got:\n" + String.join("", lines));
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
  }
}
