package io.lifeguard.node.bridge;

import static io.lifeguard.node.bridge.BridgeFixture.await;
import static io.lifeguard.node.bridge.BridgeFixture.id;
import static io.lifeguard.node.bridge.BridgeFixture.json;
import static io.lifeguard.node.bridge.BridgeFixture.quietly;
import static io.lifeguard.node.bridge.BridgeFixture.wsUri;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.lifeguard.node.testing.TestNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * PUBLISHes leave in batches (one per edge I/O thread's turn) with one timer per batch: a Redis
 * that stops answering while its connection stays open (SIGSTOP) still fails every unanswered
 * PUBLISH at {@code publish-timeout}, well before lettuce's own command timeout, and the socket
 * closes with redis_unavailable (1013).
 */
class BridgePublishTimeoutTest {
  @Test
  void publishesUnansweredPastThePublishTimeoutCloseTheSocketWith1013() throws Exception {
    try (RedisServer server = new RedisServer().start();
        TestNode node = TestNode.start(Map.of(
            "lifeguard.redis.url", server.url(),
            "lifeguard.redis.command-timeout", "60s",
            "lifeguard.bridge.publish-timeout", "1s")).awaitReady()) {
      String session = id("stall");
      try (BridgeFixture redis = new BridgeFixture(server.url())) {
        BlockingQueue<String> up = redis.listenUp(session);
        WsClient client = WsClient.connect(wsUri(node, "agent", session), redis.issue(session));
        for (int i = 0; i < 20; i++) client.send("{\"up\":" + i + "}");
        for (int i = 0; i < 20; i++) assertEquals("{\"up\":" + i + "}", up.poll(10, TimeUnit.SECONDS), "in order");

        server.signal("STOP");
        try {
          for (int i = 0; i < 5; i++) client.send("{\"stalled\":" + i + "}");
          JsonNode frame = json(client.next());
          assertEquals(1013, frame.get("code").asInt(), frame.toString());
          assertEquals("redis_unavailable", frame.get("reason").asText());
          assertEquals(1013, client.awaitClose().status());
          await(Duration.ofSeconds(10), "publish_failed counted", quietly(() ->
              BridgeFixture.metric(node, "lifeguard_bridge_errors_total", "kind=\"publish_failed\"") >= 1.0));
        } finally {
          server.signal("CONT");
        }
      }
    }
  }
}
