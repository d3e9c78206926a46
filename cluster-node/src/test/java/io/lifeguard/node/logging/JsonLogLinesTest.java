package io.lifeguard.node.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lifeguard.protocol.token.Ed25519Keys;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON line format of the production logback.xml (logstash-logback-encoder with
 * {@link EventFieldsProvider}): the documented fields, event lifting, the redaction safety net, and
 * logback.xml's switches. Every line is encoded by the encoder logback.xml configures.
 */
class JsonLogLinesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REDACTED = "[redacted]";

  @SuppressWarnings("unchecked")
  private JsonNode encode(String message, Map<String, String> mdc, Throwable error) throws Exception {
    LoggerContext context = configure(Map.of("LOG_FORMAT", "json"));
    context.putProperty("node", "node-a");
    Logger logger = context.getLogger("io.lifeguard.test");
    LoggingEvent event = new LoggingEvent("x", logger, Level.WARN, message, error, null);
    event.setMDCPropertyMap(mdc);
    AsyncAppender async = (AsyncAppender) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
    Encoder<ILoggingEvent> encoder = ((ConsoleAppender<ILoggingEvent>) async.getAppender("json")).getEncoder();
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    context.stop();
    assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
    return JSON.readTree(line);
  }

  @Test
  void carriesTheBaseFieldsAndMdcAndEscapes() throws Exception {
    JsonNode json = encode("quote \" backslash \\ newline \n tab \t ctrl \u0001",
        Map.of("session_id", "s-1", "phase", "relay", "reason", "slow_consumer"), null);
    assertEquals("WARN", json.get("level").asText());
    assertEquals("node-a", json.get("node").asText());
    assertEquals("io.lifeguard.test", json.get("logger").asText());
    assertEquals("quote \" backslash \\ newline \n tab \t ctrl \u0001", json.get("message").asText());
    assertEquals("s-1", json.get("session_id").asText());
    assertEquals("relay", json.get("phase").asText());
    assertEquals("slow_consumer", json.get("reason").asText());
    assertTrue(json.get("timestamp").asText().endsWith("Z"));
    java.time.Instant.parse(json.get("timestamp").asText());
    assertEquals(java.util.List.of("timestamp", "level", "node", "logger", "thread", "message", "phase", "reason", "session_id"),
        // LOG_FORMAT stands in for the environment variable as a context property here; a node's
        // logging context holds only "node".
        fieldNames(json).stream().filter(f -> !f.equals("LOG_FORMAT")).sorted(java.util.Comparator.comparingInt(JsonLogLinesTest::rank)
            .thenComparing(java.util.Comparator.naturalOrder())).toList(), "the documented fields and nothing else");
  }

  @Test
  void anExceptionIsTheErrorFieldAndPekkosBookkeepingStaysOut() throws Exception {
    JsonNode json = encode("failed", Map.of("pekkoSource", "pekko://x", "sourceActorSystem", "lifeguard",
        "pekkoAddress", "pekko://x@h:1", "sourceThread", "t-1"), new IllegalStateException("boom"));
    assertTrue(json.get("error").asText().contains("IllegalStateException: boom"), json.toString());
    assertFalse(json.has("pekkoSource") || json.has("sourceActorSystem") || json.has("pekkoAddress"), json.toString());
    assertEquals("t-1", json.get("sourceThread").asText());
  }

  private static int rank(String field) {
    int base = java.util.List.of("timestamp", "level", "node", "logger", "thread", "message").indexOf(field);
    return base < 0 ? 100 : base;
  }

  private static java.util.List<String> fieldNames(JsonNode json) {
    java.util.List<String> names = new java.util.ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void liftsEventStyleMessagesIntoFieldsWithMdcWinning() throws Exception {
    JsonNode json = encode("event=guardrail_soft_breach cohort=paid bucket=2025-10-11-14 ratio=0.0071 level=x",
        Map.of("cohort", "from-mdc"), null);
    assertEquals("guardrail_soft_breach", json.get("event").asText());
    assertEquals("from-mdc", json.get("cohort").asText());
    assertEquals("2025-10-11-14", json.get("bucket").asText());
    assertEquals("0.0071", json.get("ratio").asText());
    assertEquals("WARN", json.get("level").asText(), "a lifted pair never overrides a base field");
    assertFalse(encode("a message with k=v", Map.of(), null).has("k"), "only event= messages are lifted");
  }

  @Test
  void redactsTokensAndPrivateKeyMembersThatSlipThrough() throws Exception {
    String jwk = Ed25519Keys.generate("kid-1").toJSONString();
    String token = "eyJhbGciOiJFZERTQSJ9.eyJzaWQiOiJzLTEifQ.c2lnbmF0dXJlLWJ5dGVz";
    JsonNode json = encode("bad key " + jwk + " and token " + token, Map.of("detail", token),
        new IllegalStateException("token " + token));
    String all = json.toString();
    assertFalse(all.contains(token), all);
    assertFalse(all.contains(Ed25519Keys.parse(jwk).getD().toString()), all);
    assertTrue(json.get("message").asText().contains(REDACTED));
    assertTrue(json.get("message").asText().contains("\"kid\":\"kid-1\""), "public members stay readable");
    assertEquals(REDACTED, json.get("detail").asText());
  }

  @Test
  void logbackXmlSelectsJsonAndLevelFromTheEnvironmentVariables() throws Exception {
    LoggerContext json = configure(Map.of("LOG_FORMAT", "json", "LOG_LEVEL", "WARN"));
    assertEquals(Level.WARN, json.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
    AsyncAppender async = (AsyncAppender) json.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
    ConsoleAppender<?> console = (ConsoleAppender<?>) async.getAppender("json");
    assertInstanceOf(net.logstash.logback.encoder.LoggingEventCompositeJsonEncoder.class, console.getEncoder());

    LoggerContext text = configure(Map.of());
    assertEquals(Level.INFO, text.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
    AsyncAppender textAsync = (AsyncAppender) text.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
    assertInstanceOf(LayoutWrappingEncoder.class, ((ConsoleAppender<?>) textAsync.getAppender("text")).getEncoder(),
        "readable text is the default for local runs");
    json.stop();
    text.stop();
  }

  /** Loads the production logback.xml into a fresh context; properties stand in for env vars. */
  private static LoggerContext configure(Map<String, String> properties) throws Exception {
    LoggerContext ctx = new LoggerContext();
    properties.forEach(ctx::putProperty);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(ctx);
    configurator.doConfigure(JsonLogLinesTest.class.getResource("/logback.xml"));
    return ctx;
  }
}
