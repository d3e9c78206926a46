package io.lifeguard.node.control;

import static io.lifeguard.node.control.ControlHttp.get;
import static io.lifeguard.node.control.ControlHttp.json;
import static io.lifeguard.node.control.ControlHttp.post;
import static io.lifeguard.node.control.ControlHttp.tokenBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lettuce.core.RedisClient;
import io.lifeguard.control.testing.RedisServerProcess;
import io.lifeguard.node.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What docs/adr/0001-control-plane-redis-loss.md promises, over HTTP, with a Redis the test stops. */
class RedisLossTest {
  private static final String SERVICE = "svc-" + UUID.randomUUID();
  private static final String ADMIN = "adm-" + UUID.randomUUID();

  private static void awaitTrue(String what, Duration within, java.util.concurrent.Callable<Boolean> probe) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (probe.call()) return;
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    throw new AssertionError(what + " not within " + within);
  }

  @Test
  void tokensFailOpenAndAPauseAppliesLocallyThenReachesRedisWhenItReturns() throws Exception {
    try (RedisServerProcess redisServer = RedisServerProcess.start();
         TestNode node = TestNode.start(Map.of(
             "lifeguard.redis.url", redisServer.url(),
             "lifeguard.redis.command-timeout", "1s",
             "lifeguard.control.service-tokens", SERVICE,
             "lifeguard.control.admin-tokens", "ops-bob:" + ADMIN)).awaitReady()) {
      awaitTrue("redis ok", Duration.ofSeconds(5), () -> "ok".equals(json(get(node, "/healthz", null)).get("control_plane_redis").asText()));

      redisServer.stop();
      var issued = post(node, "/v1/fallback/token", SERVICE, tokenBody("s-1", "c", "host", true, null));
      assertEquals(200, issued.statusCode(), issued.body());
      assertEquals("unknown", json(issued).get("guardrail_hint").asText());
      JsonNode health = json(get(node, "/healthz", null));
      assertEquals("unreachable", health.get("control_plane_redis").asText());
      String metrics = get(node, "/metrics", null).body();
      assertTrue(metrics.contains("lifeguard_token_requests_total{guardrail=\"unknown\",outcome=\"issued\"} 1.0"), metrics);
      assertTrue(metrics.contains("lifeguard_control_redis_up 0.0"), metrics);
      assertEquals(503, post(node, "/v1/fallback/sessions", SERVICE, "{\"cohort_id\":\"c\"}").statusCode());

      var paused = post(node, "/v1/admin/fallback/pause", ADMIN, "{\"reason\":\"redis is down, stop fallback\"}");
      assertEquals(202, paused.statusCode(), paused.body());
      assertFalse(json(paused).get("propagated").asBoolean());
      assertTrue(json(get(node, "/healthz", null)).get("fallback_paused").asBoolean());
      assertEquals(403, post(node, "/v1/fallback/token", SERVICE, tokenBody("s-2", "c", "host", true, null)).statusCode());
      assertFalse(json(get(node, "/v1/admin/fallback", ADMIN)).get("propagated").asBoolean(), "GET names it as pause did");

      redisServer.startProcess();
      awaitTrue("pending pause written to Redis", Duration.ofSeconds(20),
          () -> json(get(node, "/v1/admin/fallback", ADMIN)).get("propagated").asBoolean());
      RedisClient client = RedisClient.create(redisServer.url());
      try (var connection = client.connect()) {
        String stored = connection.sync().get("fallback:paused");
        assertTrue(stored.contains("\"paused\":true") && stored.contains("\"by\":\"ops-bob\""), stored);
      } finally {
        client.shutdown();
      }
      assertEquals("ok", json(get(node, "/healthz", null)).get("control_plane_redis").asText());
    }
  }
}
