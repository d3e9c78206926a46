package io.lifeguard.node.control;

import static io.lifeguard.node.control.ControlHttp.assertError;
import static io.lifeguard.node.control.ControlHttp.get;
import static io.lifeguard.node.control.ControlHttp.json;
import static io.lifeguard.node.control.ControlHttp.post;
import static io.lifeguard.node.control.ControlHttp.tokenBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.testing.TestNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code GET /v1/admin/guardrails} against a real node and a private redis-server: the counters
 * after tokens issued and sessions reported through the token API, the SCAN bound with many
 * cohorts among unrelated keys, credentials, bad parameters, and 503 while Redis is down (the
 * last test, which stops and restarts the test's Redis).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class GuardrailApiTest {
  private static final String SERVICE = "svc-" + UUID.randomUUID();
  private static final String ADMIN = "adm-" + UUID.randomUUID();
  private static final String PATH = "/v1/admin/guardrails";

  private RedisServerProcess redisServer;
  private RedisClient redisClient;
  private StatefulRedisConnection<String, String> redis;
  private TestNode node;

  @BeforeAll
  void start() throws Exception {
    redisServer = RedisServerProcess.start();
    node = TestNode.start(Map.of(
        "lifeguard.redis.url", redisServer.url(),
        "lifeguard.redis.command-timeout", "1s",
        "lifeguard.control.service-tokens", "beach-road:" + SERVICE,
        "lifeguard.control.admin-tokens", "ops-alice:" + ADMIN,
        // 10% with a floor of 10 sessions, so a breach takes two tokens rather than hundreds.
        "lifeguard.control.guardrail.threshold", "0.1",
        "lifeguard.control.guardrail.min-sessions", "10")).awaitReady();
    redisClient = RedisClient.create(redisServer.url());
    redis = redisClient.connect();
    awaitTrue("control plane Redis ok", Duration.ofSeconds(10),
        () -> "ok".equals(json(get(node, "/healthz", null)).get("control_plane_redis").asText()));
  }

  @AfterAll
  void stop() {
    if (redis != null) redis.close();
    if (redisClient != null) redisClient.shutdown();
    if (node != null) node.close();
    if (redisServer != null) redisServer.close();
  }

  @Test
  @org.junit.jupiter.api.Order(1)
  void countersFollowTokensAndSessionsIssuedThroughTheTokenApi() throws Exception {
    // Counters are per UTC hour: when the hour turns during an attempt, its counts split over two
    // buckets, so that attempt is repeated with fresh cohorts.
    for (int attempt = 1; ; attempt++) {
      String quiet = "quiet-" + UUID.randomUUID().toString().substring(0, 8);
      String surge = "surge-" + UUID.randomUUID().toString().substring(0, 8);
      String hourBefore = json(read("?cohort=" + quiet)).get("hour").asText();
      HttpResponse<String> reported = post(node, "/v1/fallback/sessions", SERVICE, "{\"cohort_id\":\"" + quiet + "\",\"count\":100}");
      assertEquals(202, reported.statusCode(), reported.body());
      String reportedHour = json(reported).get("hour").asText();
      assertEquals("fallback:cohort:" + quiet + ":" + reportedHour, json(reported).get("bucket").asText());
      for (int i = 0; i < 3; i++) assertEquals("ok", issue(quiet));
      assertEquals("ok", issue(surge), "1 / max(0, 10) = 0.1 is not above 0.1");
      assertEquals("soft_breach", issue(surge), "2 / 10 = 0.2 is above 0.1");

      HttpResponse<String> response = read("");
      assertEquals(200, response.statusCode(), response.body());
      JsonNode body = json(response);
      if (!body.get("hour").asText().equals(hourBefore) && attempt < 2) continue;
      assertEquals(hourBefore, body.get("hour").asText());
      assertEquals(hourBefore, reportedHour, "the sessions answer and the admin API name the hour alike");
      assertTrue(body.get("hour_start").asText().endsWith(":00:00Z"), body.toString());
      assertEquals(0.1, body.get("threshold").asDouble());
      assertEquals(10, body.get("min_sessions").asLong());
      assertEquals(100, body.get("limit").asInt());
      assertFalse(body.get("truncated").asBoolean());
      JsonNode cohorts = body.get("cohorts");
      assertEquals(2, cohorts.size(), body.toString());
      // Soft breaches first.
      assertCohort(cohorts.get(0), surge, 0, 2, 0.2, true);
      assertCohort(cohorts.get(1), quiet, 100, 3, 0.03, false);

      JsonNode one = json(read("?cohort=" + surge));
      assertFalse(one.has("limit"), one.toString());
      assertEquals(1, one.get("cohorts").size());
      assertCohort(one.get("cohorts").get(0), surge, 0, 2, 0.2, true);
      JsonNode unseen = json(read("?cohort=never-seen"));
      assertCohort(unseen.get("cohorts").get(0), "never-seen", 0, 0, 0.0, false);
      return;
    }
  }

  @Test
  @org.junit.jupiter.api.Order(2)
  void theScanReturnsAtMostTheLimitAndSaysWhenItStopped() throws Exception {
    for (int attempt = 1; ; attempt++) {
      String hour = json(read("?cohort=probe")).get("hour").asText();
      String prefix = "bulk" + attempt + "-";
      Map<String, String> unrelated = new HashMap<>();
      for (int i = 0; i < 3000; i++) unrelated.put("other:" + attempt + ":" + i, "x");
      redis.sync().mset(unrelated);
      for (int i = 0; i < 30; i++) {
        redis.sync().hset("fallback:cohort:" + prefix + i + ":" + hour, Map.of("sessions", "50", "activations", Integer.toString(i)));
      }
      // Not this hour's bucket, and not a valid cohort id: never reported.
      redis.sync().hset("fallback:cohort:" + prefix + "old:2001-01-01-00", Map.of("sessions", "1", "activations", "1"));
      redis.sync().hset("fallback:cohort:" + prefix + "bad id:" + hour, Map.of("sessions", "1", "activations", "1"));

      JsonNode limited = json(read("?limit=10"));
      JsonNode everything = json(read("?limit=1000"));
      if (!everything.get("hour").asText().equals(hour) && attempt < 2) continue;
      assertEquals(10, limited.get("cohorts").size(), limited.toString());
      assertTrue(limited.get("truncated").asBoolean(), limited.toString());
      assertFalse(everything.get("truncated").asBoolean(), "3000 other keys take several SCAN calls, all within the bound");
      int bulk = 0;
      for (JsonNode c : everything.get("cohorts")) {
        String name = c.get("cohort").asText();
        assertFalse(name.endsWith("old") || name.contains(" "), name);
        if (name.startsWith(prefix)) bulk++;
      }
      assertEquals(30, bulk, everything.toString());
      // Highest ratio first: 29 activations of 50 sessions.
      assertCohort(everything.get("cohorts").get(0), prefix + 29, 50, 29, 0.58, true);
      return;
    }
  }

  @Test
  @org.junit.jupiter.api.Order(3)
  void onlyAnAdminCredentialReadsAndBadParametersAreRefused() throws Exception {
    HttpResponse<String> anonymous = get(node, PATH, null);
    assertError(anonymous, 401, "unauthorized");
    assertEquals("Bearer realm=\"lifeguard-admin\"", anonymous.headers().firstValue("WWW-Authenticate").orElse(""));
    assertError(get(node, PATH, "not-" + ADMIN), 401, "unauthorized");
    assertError(get(node, PATH, SERVICE), 401, "unauthorized");
    // The kill switch's admin endpoint answers a wrong credential the same way.
    assertError(get(node, "/v1/admin/fallback", "not-" + ADMIN), 401, "unauthorized");

    assertError(read("?cohort=a*b"), 400, "bad_request");
    assertError(read("?cohort="), 400, "bad_request");
    assertError(read("?cohort=" + "x".repeat(65)), 400, "bad_request");
    assertError(read("?limit=0"), 400, "bad_request");
    assertError(read("?limit=1001"), 400, "bad_request");
    assertError(read("?limit=ten"), 400, "bad_request");
    HttpResponse<String> posted = post(node, PATH, ADMIN, "{}");
    assertError(posted, 405, "method_not_allowed");
    assertEquals("GET", posted.headers().firstValue("Allow").orElse(""));
  }

  @Test
  @org.junit.jupiter.api.Order(4)
  void redisDownAnswers503WithTheRedisStatusAndRecovers() throws Exception {
    redisServer.stop();
    try {
      for (String query : new String[] {"", "?cohort=quiet"}) {
        HttpResponse<String> response = read(query);
        JsonNode body = assertError(response, 503, "guardrail_unavailable");
        assertEquals("unreachable", body.get("redis").asText(), response.body());
      }
    } finally {
      redisServer.startProcess();
    }
    awaitTrue("the endpoint answers again once Redis is back", Duration.ofSeconds(20), () -> read("").statusCode() == 200);
  }

  @Test
  @org.junit.jupiter.api.Order(5)
  void aNodeWithoutRedisAnswers503Disabled() throws Exception {
    try (TestNode withoutRedis = TestNode.start(Map.of(
        "lifeguard.redis.url", "",
        "lifeguard.control.admin-tokens", "ops-alice:" + ADMIN)).awaitReady()) {
      HttpResponse<String> response = get(withoutRedis, PATH, ADMIN);
      assertEquals("disabled", assertError(response, 503, "guardrail_unavailable").get("redis").asText());
    }
  }

  private HttpResponse<String> read(String query) throws Exception {
    return get(node, PATH + query, ADMIN);
  }

  /** Issues a token for {@code cohort}; returns its guardrail hint. */
  private String issue(String cohort) throws Exception {
    HttpResponse<String> issued = post(node, "/v1/fallback/token", SERVICE,
        tokenBody("s-" + UUID.randomUUID(), cohort, "host", false, null));
    assertEquals(200, issued.statusCode(), issued.body());
    return json(issued).get("guardrail_hint").asText();
  }

  private static void assertCohort(JsonNode row, String cohort, long sessions, long activations, double ratio, boolean breach) {
    assertEquals(cohort, row.get("cohort").asText(), row.toString());
    assertEquals(sessions, row.get("sessions").asLong(), row.toString());
    assertEquals(activations, row.get("activations").asLong(), row.toString());
    assertEquals(ratio, row.get("ratio").asDouble(), 1e-9, row.toString());
    assertEquals(breach, row.get("soft_breach").asBoolean(), row.toString());
  }

  private static void awaitTrue(String what, Duration within, Callable<Boolean> probe) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (probe.call()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    throw new AssertionError(what + " not within " + within);
  }
}
