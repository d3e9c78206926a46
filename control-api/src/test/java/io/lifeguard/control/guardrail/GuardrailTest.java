package io.lifeguard.control.guardrail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lifeguard.control.ControlSettings;
import io.lifeguard.control.RedisLink;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Against the shared Redis on 127.0.0.1:6379, with a random cohort per test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuardrailTest {
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T13:45:00Z"), ZoneOffset.UTC);
  private RedisClient client;
  private StatefulRedisConnection<String, String> inspect;
  private RedisLink link;

  @BeforeAll
  void connect() {
    client = RedisClient.create("redis://127.0.0.1:6379");
    inspect = client.connect();
    link = new RedisLink(client, "unused", (c, m) -> {});
    link.ensureConnected();
  }

  @AfterAll
  void close() {
    link.close();
    inspect.close();
    client.shutdown();
  }

  private Guardrail guardrail(double threshold, long minSessions) {
    return new Guardrail(link, clock, new ControlSettings.Guardrail(threshold, minSessions, Duration.ofSeconds(2)));
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void bucketsAreHourlyPerCohortInUtcAndExpireAfter90Minutes() throws Exception {
    String cohort = "c-" + UUID.randomUUID();
    Guardrail guardrail = guardrail(0.005, 200);
    assertEquals("fallback:cohort:" + cohort + ":2026-11-22-13", guardrail.bucket(cohort));
    Guardrail.Counts counts = await(guardrail.recordSessions(cohort, 1000));
    assertEquals(1000, counts.sessions());
    assertEquals(Guardrail.Verdict.OK, await(guardrail.recordActivation(cohort)));
    Map<String, String> hash = inspect.sync().hgetall(guardrail.bucket(cohort));
    assertEquals(Map.of("sessions", "1000", "activations", "1"), hash);
    long ttl = inspect.sync().ttl(guardrail.bucket(cohort));
    assertTrue(ttl > 5300 && ttl <= 5400, "ttl " + ttl);
  }

  @Test
  void aboveHalfAPercentIsASoftBreach() throws Exception {
    String cohort = "c-" + UUID.randomUUID();
    Guardrail guardrail = guardrail(0.005, 200);
    await(guardrail.recordSessions(cohort, 1000));
    for (int i = 0; i < 5; i++) assertEquals(Guardrail.Verdict.OK, await(guardrail.recordActivation(cohort)));
    // 6 / 1000 = 0.6% > 0.5%
    assertEquals(Guardrail.Verdict.SOFT_BREACH, await(guardrail.recordActivation(cohort)));
  }

  @Test
  void theMinimumSampleFloorKeepsAQuietCohortFromBreachingOnItsFirstActivation() throws Exception {
    String cohort = "c-" + UUID.randomUUID();
    Guardrail guardrail = guardrail(0.005, 200);
    await(guardrail.recordSessions(cohort, 3));
    // 1 / max(3, 200) = 0.5%: not above the threshold, although 1/3 would be.
    assertEquals(Guardrail.Verdict.OK, await(guardrail.recordActivation(cohort)));
    // 2 / 200 = 1%: a second activation in an hour with almost no sessions is flagged.
    assertEquals(Guardrail.Verdict.SOFT_BREACH, await(guardrail.recordActivation(cohort)));
  }

  @Test
  void withoutRedisTheVerdictIsUnknown() throws Exception {
    RedisLink down = new RedisLink(null, "unused", (c, m) -> {});
    Guardrail guardrail = new Guardrail(down, clock, new ControlSettings.Guardrail(0.005, 200, Duration.ofSeconds(1)));
    assertEquals(Guardrail.Verdict.UNKNOWN, await(guardrail.recordActivation("c")));
  }

  @Test
  void theBreachWarningLogsTheJudgedRatioOverTheFloor() throws Exception {
    String cohort = "c-" + UUID.randomUUID();
    Guardrail guardrail = guardrail(0.005, 200);
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Guardrail.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured = new ch.qos.logback.core.read.ListAppender<>();
    captured.start();
    logger.addAppender(captured);
    try {
      // No session ever reported: 2 / max(0, 200) = 1 %, a breach judged over the floor, not "inf".
      assertEquals(Guardrail.Verdict.OK, await(guardrail.recordActivation(cohort)));
      assertEquals(Guardrail.Verdict.SOFT_BREACH, await(guardrail.recordActivation(cohort)));
    } finally {
      logger.detachAppender(captured);
    }
    String line = captured.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("cohort=" + cohort)).findFirst().orElseThrow();
    assertTrue(line.contains("activations=2 sessions=0 min_sessions=200 ratio=0.0100 threshold=0.005"), line);
    assertTrue(line.contains("bucket=fallback:cohort:" + cohort + ":2026-11-22-13"), line);
  }

  @Test
  void countsNameTheHourAsTheAdminApiDoes() throws Exception {
    String cohort = "c-" + UUID.randomUUID();
    Guardrail.Counts counts = await(guardrail(0.005, 200).recordSessions(cohort, 3));
    assertEquals("2026-11-22-13", counts.hour());
    assertEquals("fallback:cohort:" + cohort + ":2026-11-22-13", counts.bucket());
  }
}
