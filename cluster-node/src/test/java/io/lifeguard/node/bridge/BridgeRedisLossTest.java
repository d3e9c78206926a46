package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.await;
import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.quietly;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Redis dies mid-session: sockets get redis_unavailable (1013) and close, /health goes red and
 * /ready lists the bridge as degraded (while staying 200), upgrades get 503; after Redis returns
 * the bridge serves again on its own.
 */
class BridgeRedisLossTest {
  @Test
  void redisRestartClosesSocketsWithTryAgainAndTheBridgeRecovers() throws Exception {
    try (RedisServer server = new RedisServer().start();
        TestNode node = TestNode.start(Map.of("lifeguard.redis.url", server.url())).awaitReady()) {
      String before = id("loss");
      try (BridgeFixture redis = new BridgeFixture(server.url())) {
        WsClient client = WsClient.connect(wsUri(node, "agent", before), redis.issue(before));
        redis.publishDown(before, "{\"before\":1}");
        assertEquals("{\"before\":1}", client.next());

        server.kill();
        JsonNode frame = json(client.next());
        assertEquals(1013, frame.get("code").asInt());
        assertEquals("redis_unavailable", frame.get("reason").asText());
        assertTrue(frame.get("retry").asBoolean());
        assertEquals(1013, client.awaitClose().status());
      }
      await(Duration.ofSeconds(5), "/health 503", quietly(() -> BridgeFixture.get(node, "/health").statusCode() == 503));
      // The node stays ready for the relay; the bridge is listed as degraded and refuses its own clients.
      var ready = BridgeFixture.get(node, "/ready");
      assertEquals(200, ready.statusCode(), ready.body());
      assertTrue(json(ready.body()).get("degraded").toString().contains("\"bridge\""), ready.body());
      assertEquals(503, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", id("down")), "Bearer abc", true, ws -> {})));

      server.start();
      await(Duration.ofSeconds(20), "/health 200 after restart", quietly(() -> BridgeFixture.get(node, "/health").statusCode() == 200));
      await(Duration.ofSeconds(5), "bridge no longer degraded after restart", quietly(() ->
          !json(BridgeFixture.get(node, "/ready").body()).get("degraded").toString().contains("\"bridge\"")));
      try (BridgeFixture redis = new BridgeFixture(server.url())) {
        String after = id("back");
        BlockingQueue<String> up = redis.listenUp(after);
        WsClient client = WsClient.connect(wsUri(node, "agent", after), redis.issue(after));
        assertEquals(1, redis.publishDown(after, "{\"after\":1}"));
        assertEquals("{\"after\":1}", client.next());
        client.send("{\"up\":1}");
        assertEquals("{\"up\":1}", up.poll(5, TimeUnit.SECONDS));
        String stale = "session:" + before + ":down";
        await(Duration.ofSeconds(5), "no stale subscription for the closed session",
            () -> redis.redis.sync().pubsubNumsub(stale).get(stale) == 0L);
        client.socket.abort();
      }
    }
  }

  @Test
  void redisThatDoesNotAnswerDuringTheHandshakeGives504() throws Exception {
    try (RedisServer server = new RedisServer().start();
        TestNode node = TestNode.start(Map.of(
            "lifeguard.redis.url", server.url(),
            "lifeguard.bridge.handshake-timeout", "1s")).awaitReady();
        BridgeFixture redis = new BridgeFixture(server.url())) {
      String session = id("slowredis");
      String token = redis.issue(session);
      // Redis holds every write (GETDEL included) for 4 s: the handshake must give up after 1 s.
      redis.redis.sync().clientPause(4000);
      long started = System.nanoTime();
      assertEquals(504, WsClient.refusedStatus(WsClient.open(wsUri(node, "agent", session), "Bearer " + token, true, ws -> {})));
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMs >= 900 && tookMs < 3500, "504 after " + tookMs + " ms");
      assertEquals(1.0, BridgeFixture.metric(node, "lifeguard_bridge_connections_total", "outcome=\"redis_timeout\""));
      await(Duration.ofSeconds(10), "slot released", quietly(() ->
          BridgeFixture.metric(node, "lifeguard_bridge_active_connections", null) == 0.0));
      // When Redis resumes, the late GETDEL answer must not subscribe the abandoned socket (a guard:
      // orTimeout already stops the chain; BridgeConnection also refuses to subscribe once released).
      await(Duration.ofSeconds(10), "paused GETDEL finally ran", () -> redis.redis.sync().exists("session:" + session + ":auth") == 0L);
      long watchUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < watchUntil) {
        assertEquals(0.0, BridgeFixture.metric(node, "lifeguard_bridge_pubsub_channels", null), "leaked subscription");
      }
      String channel = "session:" + session + ":down";
      assertEquals(0L, redis.redis.sync().pubsubNumsub(channel).get(channel));
    }
  }
}
